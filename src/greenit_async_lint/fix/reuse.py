"""Code generation of a rebuilt statement that copies the code of the statements it kept.

A fix rebuilds the statements on the path from the module down to the node it edits: a whole
class when it edits one call in one method. libcst's codegen of that class walks every node of
every method again (most of a jupyter-server diff's time). The statements a fix left alone are
the very nodes of the original tree, and their code is already known: positions.generate notes,
while it generates each top-level statement, the tokens of every statement inside it (a `Span`).
`regenerate` generates a rebuilt statement and copies, for each original statement it meets, the
noted tokens instead of walking it.

That is exact because a statement's code depends only on the node and on two things of its
context: the indentation in force (noted with the span, and compared) and keyword arguments its
parent passes to its codegen. Of the statements, only an `elif` gets one (`is_elif`): positions.py
notes no span for an `If` that is another's `orelse`, and `regenerate` copies no statement called
with arguments.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import libcst as cst
from libcst._nodes.internal import CodegenState


class Span(NamedTuple):
    """An original statement's code: `tokens[start:end]`, generated at indentation `indent`."""

    node: cst.CSTNode
    indent: tuple[str, ...]
    tokens: list[str]
    start: int
    end: int


Spans = dict[int, Span]  # by id() of the node (Span.node keeps it alive, and is checked)


def _subclasses(kind: type) -> set[type]:
    out = {kind}
    direct: type
    for direct in kind.__subclasses__():
        out |= _subclasses(direct)
    return out


# The statement node types (a span is noted for each): a set lookup, where issubclass of libcst's
# abstract base costs an ABC check per node generated. A type libcst adds later is merely not noted.
STATEMENTS = frozenset(_subclasses(cst.BaseStatement))


@dataclass
class _Reusing(CodegenState):
    spans: Spans = field(default_factory=dict)


_PLAIN = cst.CSTNode._codegen


def _codegen(self: cst.CSTNode, state: CodegenState, **kwargs: Any) -> None:
    if not kwargs and type(state) is _Reusing:
        span = state.spans.get(id(self))
        if span is not None and span.node is self and span.indent == tuple(state.indent_tokens):
            state.tokens.extend(span.tokens[span.start:span.end])  # token by token: as generated
            return
    _PLAIN(self, state, **kwargs)


def regenerate(module: cst.Module, node: cst.CSTNode, spans: Spans) -> str:
    """`module.code_for_node(node)`, copying the code of the original statements in `spans`."""
    if not spans:
        return module.code_for_node(node)
    state = _Reusing(default_indent=module.default_indent, default_newline=module.default_newline, spans=spans)
    # Only this codegen's state copies: another thread's codegen meanwhile runs libcst's own.
    cst.CSTNode._codegen = _codegen  # type: ignore[method-assign]
    try:
        node._codegen(state)
    finally:
        cst.CSTNode._codegen = _PLAIN  # type: ignore[method-assign]
    return "".join(state.tokens)

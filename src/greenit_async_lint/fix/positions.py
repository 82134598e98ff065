"""A top-level statement's code and where its calls start, from one codegen.

source.py keeps the code of each top-level statement it places (see SourceFile.statement_codes)
and needs the positions of the calls in the statement holding a finding's line. libcst's
PositionProvider would generate that statement's code a second time, tracking lines and columns
token by token, and its visitor rebuilds every node it walks. `generate` instead notes, while it
generates the code, the token where each node's syntactic code starts (where PositionProvider's
`start` is: after the node's own parentheses) and the calls in source order; `call_starts` turns
those into the (line, column) keys PositionProvider's positions would give. A node it has no
start for (none known) makes `call_starts` answer None, and the caller falls back to
PositionProvider.
"""
from __future__ import annotations

import bisect
import contextlib
import re
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, Optional

import libcst as cst
from libcst._nodes.internal import CodegenState

from .cst_nodes import leftmost_path
from .reuse import STATEMENTS, Span, Spans

# Lines as PositionProvider counts them (libcst.metadata.position_provider.NEWLINE_RE).
_NEWLINE = re.compile(r"\r\n?|\n")
_NO_CONTEXT = contextlib.nullcontext()


@dataclass
class Recorded:
    """What one codegen noted: each syntactic node's first token, the calls in source order
    (outer calls before the calls they contain), and the tokens."""

    starts: dict[cst.CSTNode, int] = field(default_factory=dict)
    calls: list[cst.Call] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)


@dataclass
class _Noting(CodegenState):
    noted: Recorded = field(default_factory=Recorded)
    spans: Optional[Spans] = None  # where to note each statement's code (reuse.py), if anywhere
    _open: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)  # the statements begun, innermost last
    _elifs: set[int] = field(default_factory=set)

    # PositionProvider's start of a node: where its syntactic code starts (the outermost record
    # of it wins, as there), or for a parenthesis, which records none, where its code starts.
    # libcst's own record_syntactic_position is a generator-based context manager that does
    # nothing; this one returns a shared no-op context, cheaper than the generator.
    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: Optional[cst.CSTNode] = None,
                                  end_node: Optional[cst.CSTNode] = None) -> Any:  # noqa: ARG002 - libcst passes it
        if start_node is None:  # a start hoisted from a child (no node does it): left unknown
            self.noted.starts.setdefault(node, len(self.tokens))
        if type(node) is cst.Call:
            self.noted.calls.append(node)
        return _NO_CONTEXT

    def before_codegen(self, node: cst.CSTNode) -> None:
        kind = type(node)
        if kind is cst.LeftParen:
            self.noted.starts[node] = len(self.tokens)
        elif kind in STATEMENTS and self.spans is not None:
            if kind is cst.If and type(node.orelse) is cst.If:  # type: ignore[attr-defined]
                self._elifs.add(id(node.orelse))  # type: ignore[attr-defined] # generated as `elif` (reuse.py)
            self._open.append((len(self.tokens), tuple(self.indent_tokens)))

    def after_codegen(self, node: cst.CSTNode) -> None:
        if type(node) in STATEMENTS and self.spans is not None:
            start, indent = self._open.pop()
            if id(node) not in self._elifs:
                self.spans[id(node)] = Span(node, indent, self.tokens, start, len(self.tokens))


def generate(module: cst.Module, node: cst.CSTNode, spans: Optional[Spans] = None) -> tuple[str, Recorded]:
    """`module.code_for_node(node)`, with what the codegen noted; with `spans`, the code of
    every statement it generated is noted there too (see reuse.py)."""
    state = _Noting(default_indent=module.default_indent, default_newline=module.default_newline, spans=spans)
    node._codegen(state)
    state.noted.tokens = state.tokens
    return "".join(state.tokens), state.noted


def call_starts(code: str, recorded: Recorded, first_line: int) \
        -> Optional[list[tuple[cst.Call, set[tuple[int, int]]]]]:
    """Each call of the statement whose `code` was generated with `recorded`, outer first, with
    the (line, column) where its callee starts (see cst_nodes.leftmost_path), lines counted from
    `first_line`; None when a start is missing."""
    offsets = [0, *accumulate(map(len, recorded.tokens))]
    line_starts = [0, *(m.end() for m in _NEWLINE.finditer(code))]
    starts = recorded.starts
    out = []
    for call in recorded.calls:
        keys = set()
        for node in leftmost_path(call.func):
            token = starts.get(node)
            if token is None:
                return None
            offset = offsets[token]
            line = bisect.bisect_right(line_starts, offset) - 1
            keys.add((first_line + line, offset - line_starts[line]))
        out.append((call, keys))
    return out

"""reuse.py: a rebuilt statement's code, copying the code noted for the original statements it
kept, is libcst's own codegen of it; and the copies are really made (or refused) where they should."""
from __future__ import annotations

import libcst as cst
import pytest

from greenit_async_lint.fix.positions import generate
from greenit_async_lint.fix import reuse
from greenit_async_lint.fix.reuse import Span, Spans, regenerate

CODE = '''\
import os


@decorator(1)
class Handler(Base):  # trailing comment
    """Doc."""

    limit = 3

    def get(self, path):
        # leading comment
        if path:
            os.remove(path)
        elif path is None:
            pass
        elif not path:
            x = 1; y = 2
        else:
            return  ( 1 )
        for i in range(3):
            try:
                os.remove(path)
            except OSError:
                continue
            finally:
                pass
        while False:
            with open(path) as f:  pass
        return None

    async def post(self):
        match self.limit:
            case 1:
                await run()
            case _:
                pass


def helper():
\tif True:
\t\treturn os.sep
'''


def _noted(module: cst.Module) -> Spans:
    spans: Spans = {}
    for statement in module.body:
        code, _ = generate(module, statement, spans)
        assert code == module.code_for_node(statement)
    return spans


def _statements(node: cst.CSTNode) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []

    class Visitor(cst.CSTVisitor):
        def on_visit(self, visited: cst.CSTNode) -> bool:
            if isinstance(visited, cst.BaseStatement):
                found.append(visited)
            return True

    node.visit(Visitor())
    return found


def _path(root: cst.CSTNode, target: cst.CSTNode) -> list[cst.CSTNode]:
    """The nodes from `root` down to `target` (empty when it is not under `root`)."""
    if root is target:
        return [root]
    for child in root.children:
        below = _path(child, target)
        if below:
            return [root, *below]
    return []


class _Rebuild(cst.CSTTransformer):
    """Rebuilds `target` (a new node equal to it) and the nodes above it, as changes.py's edits do:
    every other node is left as it is (the same object)."""

    def __init__(self, root: cst.CSTNode, target: cst.CSTNode) -> None:
        super().__init__()
        self.target = target
        self.path = {id(n) for n in _path(root, target)}

    def on_visit(self, node: cst.CSTNode) -> bool:
        return id(node) in self.path

    def on_leave(self, original_node, updated_node):  # type: ignore[no-untyped-def, override]
        if original_node is self.target:
            return updated_node.deep_clone()
        return updated_node


def _rebuilt(root: cst.CSTNode, target: cst.CSTNode) -> cst.CSTNode:
    return root.visit(_Rebuild(root, target))


MODULE = cst.parse_module(CODE)
INNER = [s for top in MODULE.body for s in _statements(top)]


@pytest.mark.parametrize("index", range(len(INNER)))
def test_a_rebuilt_statement_is_libcsts_code(index: int) -> None:
    spans = _noted(MODULE)
    target = INNER[index]
    for top in MODULE.body:
        rebuilt = _rebuilt(top, target)
        assert regenerate(MODULE, rebuilt, spans) == MODULE.code_for_node(rebuilt)
    rebuilt_module = _rebuilt(MODULE, target)
    assert regenerate(rebuilt_module, rebuilt_module, spans) == rebuilt_module.code


def test_kept_statements_are_copied_from_their_span() -> None:
    # A span whose tokens say something else shows that its statement was copied, not generated.
    spans = _noted(MODULE)
    handler = MODULE.body[1]
    assert isinstance(handler, cst.ClassDef)
    get, post = [s for s in handler.body.body if isinstance(s, cst.FunctionDef)]
    real = spans[id(post)]
    spans[id(post)] = Span(post, real.indent, ["<copied>\n"], 0, 1)
    rebuilt = _rebuilt(handler, get)
    code = regenerate(MODULE, rebuilt, spans)
    assert "<copied>\n" in code and "async def post" not in code
    assert code.replace("<copied>\n", "".join(real.tokens[real.start:real.end])) == MODULE.code_for_node(rebuilt)


def test_a_statement_at_another_indentation_is_generated() -> None:
    # The same node moved out of its function: its span was generated at another indentation.
    spans = _noted(MODULE)
    handler = MODULE.body[1]
    assert isinstance(handler, cst.ClassDef)
    get = next(s for s in handler.body.body if isinstance(s, cst.FunctionDef))
    moved = get.body.body[1]  # the `for` loop
    assert id(moved) in spans
    module = MODULE.with_changes(body=[*MODULE.body, moved])
    assert regenerate(module, module, spans) == module.code
    assert regenerate(module, module, spans).endswith("\nfor i in range(3):\n    try:\n        os.remove(path)\n"
                                                      "    except OSError:\n        continue\n    finally:\n"
                                                      "        pass\n")


def test_an_elif_is_never_copied_as_an_if() -> None:
    spans = _noted(MODULE)
    branches = [s for s in INNER if isinstance(s, cst.If)]
    elifs = [b.orelse for b in branches if isinstance(b.orelse, cst.If)]
    assert len(elifs) == 2
    assert not any(id(e) in spans for e in elifs)
    # Placed where an `if` goes, the branch is generated as one.
    first = elifs[0]
    module = MODULE.with_changes(body=[first])
    assert regenerate(module, module, spans) == module.code
    assert regenerate(module, module, spans).startswith("if path is None:")


def test_without_spans_it_is_code_for_node() -> None:
    handler = MODULE.body[1]
    regenerate(MODULE, _rebuilt(handler, INNER[3]), _noted(MODULE))
    assert regenerate(MODULE, handler, {}) == MODULE.code_for_node(handler)
    assert cst.CSTNode._codegen is reuse._PLAIN  # libcst's own codegen is back after each call
    code, _ = generate(MODULE, handler)
    assert code == MODULE.code_for_node(handler)

"""cst_nodes.visit and ordered_children against libcst's own traversal: the same children in
the same order as `node.children`, and the same visit/leave calls in the same order as
`node.visit(visitor)`, on odd code and stdlib modules."""
from __future__ import annotations

import inspect
import sysconfig
from pathlib import Path

import libcst as cst
import pytest

from greenit_async_lint.fix.cst_nodes import _BY_VALUE, ordered_children, read_only_visit

from test_fix_positions import ODD

LIBRARY = Path(sysconfig.get_paths()["stdlib"])
MORE = '''from . import (a as b, c)
from x import *
f"{a!r:>{width}} {b:{c}.{d}}" f'{e=}'
match command:
    case [Point(x=0, y=0), *rest] if rest:
        pass
    case {"k": v, **others} | None:
        pass
try:
    pass
except* ValueError as e:
    raise
def g[T](x: T) -> T: ...
'''


class Recorder(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, int]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.events.append(("visit", id(node)))
        return not isinstance(node, cst.Lambda)  # a visitor that skips some subtrees

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.events.append(("leave", id(original_node)))


def _sources() -> list[str]:
    out = [ODD, MORE]
    for name in ("ast.py", "argparse.py", "asyncio/base_events.py", "typing.py"):
        path = LIBRARY / name
        if path.exists():
            out.append(path.read_text("utf-8"))
    return out


@pytest.mark.parametrize("code", _sources(), ids=lambda c: c.split("\n", 1)[0][:30])
def test_the_walk_is_libcsts(code: str) -> None:
    try:
        module = cst.parse_module(code)
    except cst.ParserSyntaxError:  # pragma: no cover - syntax newer than this libcst
        pytest.skip("libcst cannot parse it")
    theirs, ours = Recorder(), Recorder()
    module.visit(theirs)
    read_only_visit(module, ours)
    assert ours.events == theirs.events
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        children = ordered_children(node)
        assert [id(c) for c in children] == [id(c) for c in node.children]
        stack.extend(children)


def test_only_the_listed_types_choose_what_they_visit_by_value() -> None:
    """A type whose traversal reads its values (`if format_spec is not None`) cannot have one field
    order: those are listed in _BY_VALUE; this fails when a libcst upgrade adds one."""
    def subclasses(kind: type) -> list[type]:
        return [s for sub in kind.__subclasses__() for s in (sub, *subclasses(sub))]

    found = set()
    for kind in subclasses(cst.CSTNode):
        method = kind.__dict__.get("_visit_and_replace_children")
        if method is None:
            continue
        body = inspect.getsource(method).split(":", 1)[1]
        if any(line.strip().startswith(("if ", "for ", "while ")) or " if " in line for line in body.splitlines()):
            found.add(kind.__name__)
    assert found <= _BY_VALUE

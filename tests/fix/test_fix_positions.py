"""positions.py against libcst's PositionProvider: a statement's code generated once, with the
starts it notes, gives every call the (line, column) keys that PositionProvider's positions of
the statement alone give, and the code `Module.code_for_node` gives."""
from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from greenit_async_lint.fix.cst_nodes import leftmost_path, meta_value
from greenit_async_lint.fix.positions import call_starts, generate

ODD = '''import os
@decorator(arg=f(1))  # a call in a decorator
async def handler(request, *, default=make()):
    value = ( compute )(1)
    other = (a / b).c(d)[0](e)
    name = f"{fmt(x)!r:>{width()}} and {y.z()}"
    text = ("implicit" "concat").join(parts())
    lam = (lambda: g())()
    items = [h(i) for i in range(n()) if ok(i)]
    tab\t= v(\t1)
    result = (await  os.stat(path)).size
    nested = outer(inner(deep()), key=lambda q: q.m())
    return x if cond() else y()


class View(Base(meta())):
    attribute = a()

    def get(self, s="é \\u00e9"):  # non-ASCII before the call
        return "é" + s.strip().lower() + z(
            1,
            w(),
        )
'''

LIBRARY = Path(sysconfig.get_paths()["stdlib"])
FILES = ["ast.py", "asyncio/base_events.py", "json/decoder.py", "dataclasses.py", "argparse.py"]


def _expected(module: cst.Module, statement: cst.CSTNode) -> list[tuple[cst.Call, set[tuple[int, int]]]]:
    alone = module.with_changes(header=(), body=(statement,), footer=())
    positions = MetadataWrapper(alone, unsafe_skip_copy=True).resolve(PositionProvider)
    calls: list[cst.Call] = []

    class Visitor(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            calls.append(node)

    statement.visit(Visitor())
    return [(c, {(p.line, p.column) for p in (meta_value(positions[n]).start for n in leftmost_path(c.func))})
            for c in calls]


def _check(code: str) -> int:
    module = cst.parse_module(code)
    count = 0
    for statement in module.body:
        text, recorded = generate(module, statement)
        assert text == module.code_for_node(statement)
        found = call_starts(text, recorded, 1)
        assert found is not None
        expected = _expected(module, statement)
        assert [c for c, _ in found] == [c for c, _ in expected]
        assert [k for _, k in found] == [k for _, k in expected]
        count += len(found)
    return count


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_calls_start_where_position_provider_says(newline: str) -> None:
    assert _check(ODD.replace("\n", newline)) > 25


@pytest.mark.parametrize("name", FILES)
def test_calls_of_library_modules_start_where_position_provider_says(name: str) -> None:
    path = LIBRARY / name
    if not path.exists():  # pragma: no cover - a trimmed interpreter
        pytest.skip(f"{path} is not installed")
    assert _check(path.read_text("utf-8")) > 50

"""source.py and changes.py shortcuts against the libcst machinery they stand in for: parents mapped
one top-level statement at a time are ParentNodeProvider's, calls found by statement positions are
the ones whole-module positions find, and a plain `import x` lands where AddImportsVisitor puts it."""
from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from greenit_async_lint.fix.top_imports import add_from as _add_from
from greenit_async_lint.fix.top_imports import add_plain as _add_plain
from greenit_async_lint.fix.source import SourceFile

MODULE = b'''"""doc"""
import os
from x import (a,
               b)

# a comment above
COUNTER = 0


@decorator(
    arg=f(1),
)
async def helper(path):
    global COUNTER
    COUNTER += 1
    return (await os.stat(path)).size


class View(Base):
    attribute = a()

    # between methods
    async def get(self):  # comment
        data = [g(x) for x in h()]
        return await helper(open(x).read())
'''


def _source(data: bytes, focus=None) -> SourceFile:  # type: ignore[no-untyped-def]
    return SourceFile(Path("/nowhere/mod.py"), "mod.py", data, focus)


@pytest.mark.parametrize("focus", [None, [15, 25]])
def test_parents_are_parent_node_providers(focus) -> None:  # type: ignore[no-untyped-def]
    source = _source(MODULE, focus)
    assert source.module is not None
    expected = MetadataWrapper(source.module, unsafe_skip_copy=True).resolve(ParentNodeProvider)
    for node, parent in expected.items():
        assert source.parent(node) is parent
    assert source.parent(source.module) is None


@pytest.mark.parametrize("focus", [None, [15, 25]])
def test_calls_found_by_statement_match_whole_module_positions(focus) -> None:  # type: ignore[no-untyped-def]
    source = _source(MODULE, focus)
    assert source.module is not None
    positions = MetadataWrapper(source.module, unsafe_skip_copy=True).resolve(PositionProvider)
    lines = MODULE.decode().splitlines()
    calls: list[cst.Call] = []

    class Visitor(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            calls.append(node)

    source.module.visit(Visitor())
    assert calls
    originals = {v: k for k, v in source.slice.lines.items()} if source.slice is not None else None
    for call in calls:
        start = positions[call].start
        line = originals[start.line] if originals is not None else start.line
        assert start.line == source.parsed_line(line)
        col = len(lines[line - 1][: start.column].encode()) + 1
        assert call in source.calls_at(line, col)


HEADS = [
    "",
    "x = 1\n",
    '"""doc"""\n',
    '"""doc"""\nimport os\n\ndef f():\n    pass\n',
    '"""doc"""\n# comment\nimport os\n# above\nx = 1\n',
    "import os\nimport asyncio as aio\nfrom a import b\n\n\nx = 1\n",
    "import os; import sys\nx = 1\n",
    "__strict__ = True\nimport os\nx = 1\n",
    "import asyncio.subprocess\nx = 1\n",
    "from __future__ import annotations\n\nimport os\nclass A:\n    pass\n",
    "# header comment\n\nimport os\n\n# c1\n# c2\ndef f(): pass\n",
    "if True:\n    import os\nimport sys\n",
    "b'bytes doc'\nimport os\n",
]


@pytest.mark.parametrize("code", HEADS)
@pytest.mark.parametrize("names", [["asyncio"], ["asyncio", "concurrent.futures"], ["os"]])
def test_plain_import_lands_where_add_imports_visitor_puts_it(code: str, names: list[str]) -> None:
    module = cst.parse_module(code)
    context = CodemodContext()
    for name in names:
        AddImportsVisitor.add_needed_import(context, name)
    expected = module.visit(AddImportsVisitor(context)).code
    assert _add_plain(module, sorted(names)).code == expected


FROM_HEADS = HEADS + [
    "from fastapi import FastAPI\n\napp = FastAPI()\n",
    '"""doc"""\nimport os\nfrom fastapi import Depends, FastAPI\nfrom a.b import c\n\nx = 1\n',
    "from fastapi import FastAPI\nfrom fastapi import Depends\nx = 1\n",
    "import fastapi\nx = 1\n",
]


@pytest.mark.parametrize("code", FROM_HEADS)
@pytest.mark.parametrize("groups", [[("fastapi", ["BackgroundTasks"])], [("a.b", ["d", "a"]), ("fastapi", ["Zeta"])],
                                    [("x.y", ["z"])]])
def test_from_import_lands_where_add_imports_visitor_puts_it(code: str, groups: list[tuple[str, list[str]]]) -> None:
    """add_from writes what libcst's AddImportsVisitor writes (one pass, absolute names), or
    declines (None) for a top it does not read the same way."""
    module = cst.parse_module(code)
    context = CodemodContext()
    for name, objs in groups:
        for obj in objs:
            AddImportsVisitor.add_needed_import(context, name, obj)
    expected = module.visit(AddImportsVisitor(context)).code
    got = _add_from(module, groups)
    if got is None:
        assert "import os; import sys" in code  # the only head here it declines: two statements on one line
    else:
        assert got.code == expected

"""astfile.py: the calls at a call site's position as `ast` reads them, with what encloses them."""
from __future__ import annotations

import ast
import textwrap

import pytest

from greenit_async_lint.fix.astfile import AstFile, enclosing_scope

CODE = textwrap.dedent("""\
    import requests


    async def page(url):
        data = [requests.get(u).json() for u in (url,)]
        with open(url) as f:
            await send(f.read())
        return data
    """).encode()


def test_calls_at_a_position_come_outer_first_with_what_encloses_them() -> None:
    syntax = AstFile.parse(CODE)
    assert syntax is not None
    found = syntax.calls_at(5, 13)  # `requests.get(u).json()` and `requests.get(u)` start there
    assert [ast.unparse(call) for call, _ in found] == ["requests.get(u).json()", "requests.get(u)"]
    outer, around = found[0]
    assert isinstance(around[-1], ast.ListComp)
    assert isinstance(enclosing_scope(around), ast.ListComp)
    assert isinstance(enclosing_scope(found[1][1]), ast.ListComp)
    (opened, around), = syntax.calls_at(6, 10)
    assert isinstance(around[-1], ast.withitem) and isinstance(enclosing_scope(around), ast.AsyncFunctionDef)
    (sent, around), = syntax.calls_at(7, 15)
    assert isinstance(around[-1], ast.Await)
    assert syntax.calls_at(7, 14) == [] and syntax.calls_at(99, 1) == []


def test_a_file_ast_cannot_read_has_no_syntax() -> None:
    assert AstFile.parse(b"def broken(:\n") is None


def test_ast_finds_the_call_libcst_finds_on_every_fixture_hop() -> None:
    """early.ast_hop_call against codemod_base.hop_call, on every hop of every fixture's findings:
    where `ast` names a call, libcst found the same one (an early refusal is the one libcst makes)."""
    from fixtools import FIXTURES, analyse
    from greenit_async_lint.fix.apply import FindingPlanner
    from greenit_async_lint.fix.codemod_base import func_tail, hop_call
    from greenit_async_lint.fix.early import ast_hop_call
    from greenit_async_lint.fix.remedies import project_stack
    from greenit_async_lint.fix.rules import load_remedies

    compared = 0
    for app in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        report = analyse(app)
        remedies = load_remedies(report.catalogue)
        stack = project_stack(report, app, remedies)
        for finding in report.findings:
            for index in range(len(finding.chain)):
                early = FindingPlanner(report, app, stack, remedies).target(finding)
                found = ast_hop_call(early, index)
                if found is None:
                    continue
                late = FindingPlanner(report, app, stack, remedies).target(finding)
                _source, call, reason = hop_call(late, index)
                assert call is not None, (app.name, finding.chain[index], reason)
                keywords = [a.keyword.value if a.keyword is not None else None for a in call.args if a.keyword or a.star]
                assert func_tail(call) == (found[0].func.attr if isinstance(found[0].func, ast.Attribute)
                                           else getattr(found[0].func, "id", ""))
                assert keywords == [k.arg for k in found[0].keywords] or any(a.star for a in call.args)
                compared += 1
    assert compared > 100


def test_a_handler_read_alone_is_refused_as_in_its_file_on_every_fixture_handler() -> None:
    """early.handler_quick_refusal against movable.quick_refusal on the libcst tree of the file,
    for every function handler of every fixture app: the same reason, or nothing, each time."""
    from fixtools import FIXTURES, analyse
    from greenit_async_lint.fix.early import _quick_refusal
    from greenit_async_lint.fix.movable import quick_refusal
    from greenit_async_lint.fix.rules import load_remedies
    from greenit_async_lint.fix.sources import Sources

    compared = refused = 0
    for app in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        report = analyse(app)
        remedies = load_remedies(report.catalogue)
        for handler in report.handlers:
            if not handler.function:
                continue
            syntax = Sources(app).syntax(handler.path)
            assert syntax is not None
            alone = _quick_refusal(syntax, handler.qualname, remedies)
            function = Sources(app).get(handler.path).function(handler.qualname)
            assert function is not None, (app.name, handler.qualname)
            assert alone == quick_refusal(function, remedies), (app.name, handler.qualname)
            compared += 1
            refused += alone is not None
    assert compared > 100 and refused > 10, (compared, refused)


FORBIDDEN_CASES = {
    "early return": "def h(request):\n    if not request.ok:\n        return 400\n    work()\n    return {}\n",
    "final return only": 'def h():\n    """Doc."""\n    work()\n    return {"ok": True}\n',
    "return after a semicolon": "def h():\n    x = work(); return x\n",
    "one line": "def h(): return work()\n",
    "closing line": "def h(\n    a,\n): return work(a)\n",
    "nested def and lambda": "def h():\n    def inner():\n        return 1\n    f = lambda: (yield)\n    work(inner, f)\n",
    "class body": "def h():\n    class Inner:\n        def m(self):\n            return 1\n    work(Inner)\n",
    "await in a comprehension": "async def h(xs):\n    rows = [await get(x) for x in xs]\n    work(rows)\n",
    "async comprehension": "async def h(xs):\n    rows = [x async for x in xs]\n    work(rows)\n",
    "async with then return": "async def h():\n    async with lock():\n        return await work()\n",
    "async for": "async def h(xs):\n    async for x in xs:\n        work(x)\n",
    "yield from": "def h():\n    yield from work()\n",
    "global in a branch": "def h():\n    if ready():\n        global STATE\n        STATE = 1\n",
    "nonlocal inside": "def outer():\n    n = 0\n    def h():\n        nonlocal n\n        n = work()\n    return h\n",
    "await before return": "async def h():\n    x = [await a(), b()]\n    if x:\n        return x\n    work()\n",
    "docstring only": 'def h():\n    """Only a docstring."""\n',
}


@pytest.mark.parametrize("case", sorted(FORBIDDEN_CASES))
def test_what_ast_refuses_a_handler_for_is_what_libcst_does(case: str) -> None:
    """early._forbidden against movable.quick_refusal: where `ast` names a reason it is libcst's,
    the first in the code; where it names none, libcst's reason (if any) is not one of these."""
    import libcst as cst

    from greenit_async_lint.fix import movable
    from greenit_async_lint.fix.early import _forbidden
    from greenit_async_lint.fix.rules import RemedyCatalogue

    code = FORBIDDEN_CASES[case]
    remedies = RemedyCatalogue("", [], {}, {}, frozenset(), frozenset(), {}, {}, [])
    target = next(n for n in ast.walk(ast.parse(code)) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                  and n.name == "h")
    found: list[cst.FunctionDef] = []

    class Named(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            if node.name.value == "h":
                found.append(node)

    cst.parse_module(code).visit(Named())
    ours = _forbidden(target, code.splitlines(keepends=True))
    theirs = movable.quick_refusal(found[0], remedies)
    reasons = {movable.RETURNS, movable.AWAITS, movable.YIELDS, movable.ASYNC_FOR, movable.ASYNC_WITH,
               movable.GLOBAL, movable.NONLOCAL}
    if ours is not None:
        assert ours == theirs
    else:
        assert theirs not in reasons
    expected_none = {"final return only", "one line", "closing line", "nested def and lambda", "class body",
                     "async comprehension", "docstring only"}
    assert (ours is None) == (case in expected_none)

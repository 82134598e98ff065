"""astfile.py: the calls at a call site's position as `ast` reads them, with what encloses them."""
from __future__ import annotations

import ast
import textwrap

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

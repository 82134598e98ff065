"""The fixer over every fixture app (on copies; fixtures/ is never modified): it never writes code
that does not compile, every finding it fixes is gone when the app is checked again, it creates
no new finding, and a second run changes nothing."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from greenit_async_lint.fix.apply import plan_report
from greenit_async_lint.reporting.diffs import parse_unified_diff

from fixtools import CASES, FIXTURES, analyse, apply_fixes, copy_project, python_files

APPS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())


def _key(finding) -> tuple:
    handler = finding.handler
    return (finding.code, handler.path if handler else finding.path, handler.qualname if handler else "")


def _compiles(folder: Path) -> None:
    for name, text in python_files(folder).items():
        compile(text, name, "exec")


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("app", APPS, ids=[p.name for p in APPS])
def test_fixing_a_fixture_app(app: Path, unsafe: bool, tmp_path: Path) -> None:
    project = copy_project(app, tmp_path / app.name)
    original = python_files(app)
    before, run = apply_fixes(project, unsafe=unsafe)
    _compiles(project)
    after = analyse(project)

    from greenit_async_lint.fix.apply import INTERNAL_ERROR

    assert not [r for o in run.outcomes for _, r in o.refused if r.startswith(INTERNAL_ERROR)]
    fixed = Counter(_key(o.finding) for o in run.outcomes if set(o.applied) - {"requests-timeout"})
    if not unsafe:
        assert not any(name in ("move-to-queue", "fastapi-background-task") for o in run.outcomes
                       for name in o.applied), "an unsafe codemod ran without --unsafe-fixes"
    counts_before = Counter(_key(f) for f in before.findings)
    counts_after = Counter(_key(f) for f in after.findings)
    for key, n in fixed.items():
        assert counts_after[key] <= counts_before[key] - n, f"{key} is still reported after its fix"
    assert not counts_after - counts_before, f"new findings: {counts_after - counts_before}"

    second = plan_report(after, unsafe=unsafe, cwd=project)
    assert second.rendered == {}, f"a second run still changes {sorted(p.name for p in second.rendered)}"
    assert python_files(app) == original  # the fixture itself is untouched


def test_the_sample_apps_get_real_fixes(tmp_path: Path) -> None:
    """Not a vacuous pass: across the apps and the golden cases, every codemod fixes something.
    (The fixture apps' heavy handlers all return what their work makes, a file or a page, which
    move-to-queue leaves alone: the golden cases hold the handlers it moves.)"""
    used: Counter = Counter()
    for app in [*APPS, *sorted(p for p in CASES.iterdir() if p.is_dir())]:
        project = copy_project(app, tmp_path / app.name)
        _, run = apply_fixes(project, unsafe=True)
        used.update(name for o in run.outcomes for name in o.applied)
    for codemod in ("asyncio-sleep", "to-thread", "fastapi-background-task", "move-to-queue"):
        assert used[codemod] >= 1, (codemod, used)
    assert sum(used.values()) >= 15, used


@pytest.mark.parametrize("app", APPS, ids=[p.name for p in APPS])
def test_diffs_of_the_sample_apps_parse_and_apply_to_compilable_code(app: Path, tmp_path: Path) -> None:
    project = copy_project(app, tmp_path / app.name)
    run = plan_report(analyse(project), unsafe=True, cwd=project)
    diff = run.diff
    files = parse_unified_diff(diff) if diff else []
    assert {f.path for f in files} == {src.display for src, _ in run.rendered.values()}
    for source, text in run.rendered.values():
        compile(text, source.display, "exec")

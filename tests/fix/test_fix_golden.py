"""Before/after pairs for every codemod (tests/fix/cases/<case>/: the project, `case.yaml`, and
the expected `<file>.fixed.py` for every file the fixer writes or creates).

For every pair: the output matches the golden files, it compiles, re-running the check no longer
reports the fixed findings (and still reports the kept ones, with the reason), and fixing again
changes nothing.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fixtools import CASES, GOLDEN_SUFFIX, analyse, apply_fixes, copy_project, key, python_files

CASE_DIRS = sorted(p for p in CASES.iterdir() if (p / "case.yaml").is_file())


def _spec(case: Path) -> dict:
    return yaml.safe_load((case / "case.yaml").read_text("utf-8")) or {}


def _golden(case: Path) -> dict[str, str]:
    return {p.relative_to(case).as_posix()[: -len(GOLDEN_SUFFIX)] + ".py": p.read_text("utf-8")
            for p in sorted(case.rglob(f"*{GOLDEN_SUFFIX}"))}


@pytest.fixture(params=CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def fixed_case(request, tmp_path):
    case: Path = request.param
    spec = _spec(case)
    project = copy_project(case, tmp_path / case.name)
    before_files = python_files(project)
    report, run = apply_fixes(project, unsafe=bool(spec.get("unsafe")))
    return case, spec, project, before_files, report, run


def test_output_matches_golden_files(fixed_case, update_golden):
    case, spec, project, before_files, _, _ = fixed_case
    after_files = python_files(project)
    changed = {name: text for name, text in after_files.items() if before_files.get(name) != text}
    if update_golden:
        for stale in case.rglob(f"*{GOLDEN_SUFFIX}"):
            stale.unlink()
        for name, text in changed.items():
            (case / (name[:-3] + GOLDEN_SUFFIX)).write_text(text, "utf-8")
        pytest.skip("golden files rewritten")
    assert changed == _golden(case), f"{case.name}: fixer output differs from the golden files"
    if spec.get("unchanged"):
        assert not changed, "this case must leave every file alone"


def test_fixed_code_compiles(fixed_case):
    _, _, project, _, _, _ = fixed_case
    for name, text in python_files(project).items():
        compile(text, name, "exec")


def test_fixed_findings_are_gone_and_kept_ones_stay(fixed_case):
    _, spec, project, _, before, run = fixed_case
    before_keys = [key(f) for f in before.findings]
    after_keys = [key(f) for f in analyse(project).findings]
    for wanted in spec.get("fixed", []):
        assert wanted in before_keys, f"the case no longer produces {wanted}: fix the case"
        assert wanted not in after_keys, f"{wanted} is still reported after the fix"
    reasons = {key(o.finding): " ".join(r for _, r in o.refused) for o in run.outcomes}
    for item in spec.get("kept", []):
        assert item["finding"] in before_keys and item["finding"] in after_keys
        assert item.get("reason", "") in reasons[item["finding"]]
    unexpected = set(after_keys) - set(before_keys)
    assert not unexpected, f"the fix created new findings: {unexpected}"


def test_fixing_twice_changes_nothing(fixed_case):
    _, spec, project, _, _, _ = fixed_case
    once = python_files(project)
    _, run = apply_fixes(project, unsafe=bool(spec.get("unsafe")))
    assert run.rendered == {}
    assert python_files(project) == once


def test_every_codemod_has_a_case():
    """Each codemod is proven by at least one golden pair in which it runs."""
    from greenit_async_lint.fix.codemods import REGISTRY

    covered = {"asyncio-sleep": "asyncio_sleep", "to-thread": "to_thread_http", "requests-timeout": "requests_timeout",
               "fastapi-background-task": "fastapi_background", "move-to-queue": "celery_move"}
    assert set(REGISTRY) == set(covered)
    for codemod, case in covered.items():
        assert any((CASES / case).rglob(f"*{GOLDEN_SUFFIX}")), codemod


def test_golden_cases_run_each_codemod_they_name(tmp_path):
    from greenit_async_lint.fix.apply import plan_report

    wanted = {"asyncio_sleep": "asyncio-sleep", "to_thread_http": "to-thread", "to_thread_files": "to-thread",
              "requests_timeout": "requests-timeout", "fastapi_background": "fastapi-background-task",
              "celery_move": "move-to-queue", "celery_django_created": "move-to-queue", "rq_move": "move-to-queue",
              "dramatiq_move": "move-to-queue"}
    for case, codemod in wanted.items():
        project = copy_project(CASES / case, tmp_path / case)
        run = plan_report(analyse(project), unsafe=True, cwd=project)
        assert any(codemod in o.applied for o in run.outcomes), (case, codemod)

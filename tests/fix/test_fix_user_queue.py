"""A queue the user declares in `extra-offloads`, with its `remedy` section, gets the fixes a
shipped queue gets: the fixer reads its templates from the run's catalogue, not the shipped one."""
from __future__ import annotations

from pathlib import Path

from fixtools import FIXTURES, copy_project
from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.config import Config
from greenit_async_lint.fix import attach_fixes
from greenit_async_lint.fix.apply import plan_report

JOBS = {"queues": [{"name": "jobs", "enqueue_calls": [{"call": "jobs.submit", "arg": 0}],
                    "remedy": {"title": "Jobs", "modules": ["jobs"], "packages": [],
                               "define": "a jobs task", "send": "`jobs.submit(...)`"}}]}


def _project(tmp_path: Path) -> Path:
    app = copy_project(FIXTURES / "django_exports", tmp_path / "app")
    (app / "background.py").write_text("import jobs\n\n\ndef later(task):\n    jobs.submit(task)\n")
    return app


def test_a_users_queue_from_extra_offloads_gets_its_fix(tmp_path: Path) -> None:
    app = _project(tmp_path)
    report = analyse(["."], Config(cache=False, jobs=1, extra_offloads=JOBS), cwd=app)
    attach_fixes(report, cwd=app)
    heavy = [f for f in report.findings if f.weight == "heavy"]
    assert heavy
    for finding in heavy:
        assert finding.fix is not None
        assert finding.fix["pattern"] == "jobs-job-202", finding.fix
        assert "a jobs task" in finding.fix["title"] and "`jobs.submit(...)`" in finding.fix["title"]
    plans = plan_report(report, unsafe=True, cwd=app)
    assert {o.pattern for o in plans.outcomes if o.finding.weight == "heavy"} == {"jobs-job-202"}


def test_without_the_queue_the_same_project_gets_the_generic_fix(tmp_path: Path) -> None:
    app = _project(tmp_path)
    report = analyse(["."], Config(cache=False, jobs=1), cwd=app)
    attach_fixes(report, cwd=app)
    assert {f.fix["pattern"] for f in report.findings if f.weight == "heavy" and f.fix} == {"queue-job-202"}

"""fixer.py: the process forked when the analysis starts plans the diffs this process would plan;
one that fails leaves them to this process, one left idle is killed; a check answered from its
result cache forks none, and a check that plans diffs never imports libcst itself."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from greenit_async_lint.fix import fixer as fixer_module
from greenit_async_lint.fix.fixer import Fixer
from greenit_async_lint.fix.remedies import attach_fixes

from fixtools import FIXTURES, analyse, copy_project


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return copy_project(FIXTURES / "fastapi_media", tmp_path / "app")


def _fixes(app: Path, tag: str, with_fixer: bool = False) -> tuple[list[object], "Fixer | None"]:
    report = analyse(app)
    fixer = Fixer(report.config, report.catalogue) if with_fixer else None
    if fixer is not None:
        fixer.start()
    attach_fixes(report, diffs=True, cwd=app, cache_dir=app.parent / f"cache-{tag}", fixer=fixer)
    return [(f.path, f.line, f.code, f.fix) for f in report.findings], fixer


class Answers:
    """What each Fixer.plan answered (None: planned in process instead)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[object] = []
        real = Fixer.plan

        def plan(fixer, *args, **kwargs):  # type: ignore[no-untyped-def]
            answer = real(fixer, *args, **kwargs)
            self.seen.append(answer)
            return answer

        monkeypatch.setattr(Fixer, "plan", plan)


def test_the_fixer_plans_what_this_process_plans(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alone, _ = _fixes(app, "alone")
    answers = Answers(monkeypatch)
    fixes, fixer = _fixes(app, "fixer", with_fixer=True)
    assert fixes == alone
    assert len(answers.seen) == 1 and answers.seen[0] is not None
    assert any(fix["diff"] for *_, fix in alone)  # type: ignore[index]
    assert fixer is not None and not fixer.started  # reaped once it answered


def test_a_failed_fixer_leaves_the_plans_to_this_process(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alone, _ = _fixes(app, "alone")

    def serve(*_args):  # type: ignore[no-untyped-def]
        raise RuntimeError("the fixer breaks")

    monkeypatch.setattr(Fixer, "_serve", serve)
    answers = Answers(monkeypatch)
    assert _fixes(app, "failed", with_fixer=True)[0] == alone
    assert answers.seen == [None]


def test_an_idle_fixer_is_killed_and_reaped(app: Path) -> None:
    report = analyse(app)
    fixer = Fixer(report.config, report.catalogue)
    fixer.start()
    pid = fixer.pid
    assert pid is not None
    fixer.close()
    assert not fixer.started
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # no such child left: not even a zombie


def test_a_fixer_started_before_the_walk_is_reaped_when_the_analysis_fails(
        app: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """No cache folder yet: the fixer is forked before the files are walked, and a check that then
    fails leaves no process behind."""
    from greenit_async_lint import check
    from greenit_async_lint.cli import main

    pids: list[int] = []
    real = Fixer.start

    def start(self: Fixer) -> None:
        real(self)
        if self.pid is not None:
            pids.append(self.pid)

    def analyse_fails(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the analysis breaks")

    monkeypatch.setattr(Fixer, "start", start)
    monkeypatch.setattr(check, "analyse", analyse_fails)
    monkeypatch.chdir(app)
    assert main(["check", "--jobs", "2", "--format", "json=report.json", "--allow-empty", "."]) != 0
    assert "the analysis breaks" in capsys.readouterr().err
    assert len(pids) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(pids[0], os.WNOHANG)  # killed and reaped


def test_no_fork_no_fixer(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fixer_module, "can_fork", lambda: False)
    alone, _ = _fixes(app, "alone")
    answers = Answers(monkeypatch)
    fixes, fixer = _fixes(app, "nofork", with_fixer=True)
    assert fixes == alone
    assert answers.seen == [None] and fixer is not None and fixer.pid is None


CHECK = """
import sys
from greenit_async_lint.analysis import engine
from greenit_async_lint.fix.fixer import Fixer
walked = []
real_collect = engine.collect
def collect(*args, **kwargs):
    walked.append(True)
    return real_collect(*args, **kwargs)
engine.collect = collect
started = []
real = Fixer.start
def start(self):
    real(self)
    started.append((self.pid is not None, bool(walked)))
Fixer.start = start
from greenit_async_lint.cli import main
try:
    main(["check", "--jobs", "2", "--format", "json=report.json", "--allow-empty", "."])
except SystemExit:
    pass
print(started, "libcst" in sys.modules)
"""


def test_a_cold_check_plans_in_the_fixer_and_a_warm_one_forks_none(app: Path) -> None:
    def run() -> str:
        done = subprocess.run([sys.executable, "-c", CHECK], cwd=app, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert run() == "[(True, False)] False"  # forked before the files were walked (no cache folder yet); this
    # process never imported libcst
    diffs = [f["fix"]["diff"] for f in json.loads((app / "report.json").read_text())["findings"]]
    assert any(diffs)
    assert run() == "[] False"  # the result cache answered: no analysis, no fixer
    assert [f["fix"]["diff"] for f in json.loads((app / "report.json").read_text())["findings"]] == diffs
    edited = next(p for p in sorted(app.rglob("*.py")) if "def " in p.read_text())
    edited.write_text(edited.read_text() + "\n\ndef added_by_the_test():\n    return 1\n")
    assert run() == "[(True, True)] False"  # the result cache missed: forked when the analysis started


def test_one_job_forks_no_fixer(app: Path) -> None:
    done = subprocess.run([sys.executable, "-c", CHECK.replace('"--jobs", "2"', '"--jobs", "1"')], cwd=app,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] True"  # planned here, libcst imported here
    assert any(f["fix"]["diff"] for f in json.loads((app / "report.json").read_text())["findings"])


def test_findings_that_do_not_pickle_are_planned_here(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alone, _ = _fixes(app, "alone")

    def dumps(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise TypeError("cannot pickle 'generator' object")

    monkeypatch.setattr(fixer_module.pickle, "dumps", dumps)
    answers = Answers(monkeypatch)
    fixes, fixer = _fixes(app, "unpicklable", with_fixer=True)
    assert fixes == alone
    assert answers.seen == [None] and fixer is not None and not fixer.started  # the fixer was reaped

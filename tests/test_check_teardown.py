"""A check leaves its objects to the process's end: frozen out of the cyclic collector's sight once
the analysis is done, parked past run_check, and `python -m` leaves without the teardown."""
from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from greenit_async_lint import check
from greenit_async_lint.cli import main

APP = '''
import requests
from flask import Flask

app = Flask(__name__)

@app.get("/rates")
def rates():
    for code in load_codes():
        requests.get(f"https://rates.example.com/{code}", timeout=5)
    return "ok"

def load_codes():
    return []
'''


def test_a_check_freezes_and_parks_its_report(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "app.py").write_text(APP)
    monkeypatch.chdir(tmp_path)
    try:
        assert main(["check", "--no-cache", "--format", f"json={tmp_path / 'r.json'}", "."]) == 1
        frozen = gc.get_freeze_count()
        assert frozen > 0  # the analysis' objects: no later collection scans them
        # The analysis's own objects (summaries, evaluator, memos), the report and its dict: not
        # freed on return (the fixes are planned in a forked process).
        assert len(check._PARKED) == 3
        summaries, *_services, project = check._PARKED[0]  # type: ignore[misc]
        assert [m.path for m in summaries] == ["app.py"] and project.mods  # whole, not dismantled
        assert main(["check", "--no-cache", "--format", f"json={tmp_path / 'r.json'}", "."]) == 1
        assert len(check._PARKED) == 3  # one run's worth, not two
    finally:
        check._PARKED.clear()
        gc.unfreeze()


def test_fixes_planned_in_this_process_get_the_analysiss_memory_back(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """With `--jobs 1` the diffs are planned here, after the analysis: its objects are emptied
    (dismantle.py) for that step's memory, not parked."""
    (tmp_path / "app.py").write_text(APP)
    monkeypatch.chdir(tmp_path)
    try:
        assert main(["check", "--no-cache", "--jobs", "1", "--format", f"json={tmp_path / 'r.json'}", "."]) == 1
        assert len(check._PARKED) == 2  # the report and its dict only
    finally:
        check._PARKED.clear()
        gc.unfreeze()


def test_python_m_exits_with_the_status_and_the_whole_output(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    result = subprocess.run([sys.executable, "-m", "greenit_async_lint", "check", "--no-cache", "--format", "json"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["GAL106"]
    usage = subprocess.run([sys.executable, "-m", "greenit_async_lint", "check", "--no-such-option"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert usage.returncode == 2 and "no-such-option" in usage.stderr


def test_a_profiler_still_gets_its_results(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    result = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(tmp_path / "run.prof"), "-m",
                             "greenit_async_lint", "check", "--no-cache"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "GAL106" in result.stdout, result.stderr  # (cProfile swallows the exit status)
    assert (tmp_path / "run.prof").stat().st_size > 0  # written after the module returned


def test_the_console_script_leaves_the_same_way(tmp_path: Path) -> None:
    """`greenit-async-lint` (what pre-commit and editors run) ends through the same function as
    `python -m`: the exit status and the whole report, piped, with the early exit taken."""
    from greenit_async_lint import leave
    (tmp_path / "app.py").write_text(APP)
    code = ("import sys; sys.argv = ['greenit-async-lint', 'check', '--no-cache', '--format', 'json']\n"
            "import os; from greenit_async_lint import leave\n"
            "real = os._exit\n"
            "def spy(status):\n"
            "    sys.stderr.write(f'early exit {status}\\n'); sys.stderr.flush(); real(status)\n"
            "os._exit = spy\n"
            "leave.console()\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "early exit 1" in result.stderr  # the teardown was skipped, as for python -m
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["GAL106"]
    assert leave.console.__module__ == "greenit_async_lint.leave"

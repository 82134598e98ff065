"""preload.py: a check finds the task queues (and, when its report carries diffs, imports
libcst) while the parse workers take their first files, in the parent's own thread; what fails
there fails where the run needs it, as it would have without the preload; a report without diffs
imports no libcst, and a run without workers does none of it."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from greenit_async_lint import cli
from greenit_async_lint.analysis import fanout
from greenit_async_lint.fix import cache as cache_module
from greenit_async_lint.fix import preload as preload_module

from fixtools import FIXTURES, copy_project

FILLERS = 60  # past the loader's _PARALLEL_MIN_FILES: the files are summarised by worker processes


@pytest.fixture
def app(tmp_path: Path) -> Path:
    app = copy_project(FIXTURES / "fastapi_media", tmp_path / "app")
    (app / "filler").mkdir()
    (app / "filler" / "__init__.py").write_text("")
    for i in range(FILLERS):
        (app / "filler" / f"m{i}.py").write_text(f"def f{i}(x):\n    return x + {i}\n")
    return app


def _check(app: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, jobs: int) -> dict:
    monkeypatch.chdir(app)
    out = app.parent / f"report-{jobs}.{fmt}"
    cli.main(["check", "--jobs", str(jobs), "--format", f"{fmt}={out}", "."])
    return json.loads(out.read_text()) if fmt == "json" else {"text": out.read_text()}


def _fixes(report: dict) -> list[object]:
    return [(f["path"], f["line"], f["code"], f["fix"]) for f in report["findings"]]


class Starts:
    """Records each Preload run: the worker processes alive then, and the thread it ran in."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.workers: list[int] = []
        self.threads: list[threading.Thread] = []
        self.made = 0
        self.imported: list[bool] = []  # whether it imported libcst and the codemods
        self.found: list[bool] = []  # whether it found the task queues
        real_call, real_init = preload_module.Preload.__call__, preload_module.Preload.__init__

        def call(preload):  # type: ignore[no-untyped-def]
            self.workers.append(len(fanout.started()))
            self.threads.append(threading.current_thread())
            self.imported.append(preload.imports)
            real_call(preload)
            self.found.append(preload.found is not None)

        def init(preload, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.made += 1
            real_init(preload, *args, **kwargs)

        monkeypatch.setattr(preload_module.Preload, "__call__", call)
        monkeypatch.setattr(preload_module.Preload, "__init__", init)


def test_it_runs_in_the_parent_while_the_workers_summarise(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    starts = Starts(monkeypatch)
    report = _check(app, monkeypatch, "json", jobs=2)
    assert starts.workers == [1] and starts.threads == [threading.main_thread()]
    assert any(f["fix"]["diff"] for f in report["findings"])


def test_no_libcst_without_diffs_and_nothing_without_workers(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    starts = Starts(monkeypatch)
    _check(app, monkeypatch, "text", jobs=2)  # the queues, found early; no import of libcst
    assert starts.made == 1 and starts.workers == [1] and starts.imported == [False] and starts.found == [True]
    _check(app, monkeypatch, "json", jobs=1)  # summarised in this process: nothing to overlap
    assert starts.made == 2 and starts.workers == [1]


def test_a_text_check_with_workers_imports_no_libcst(app: Path) -> None:
    """In a process of its own (this one has imported libcst long ago)."""
    code = ("import sys; from greenit_async_lint import cli\n"
            "try:\n    cli.main(['check', '--jobs', '2', '--no-cache', '--format', 'text=/dev/null', '.'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('libcst')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=app, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stderr


def test_what_fails_in_the_preload_is_done_again_in_the_run(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alone = _fixes(_check(app, monkeypatch, "json", jobs=1))
    (app / ".greenit-cache").rename(app.parent / "first-cache")
    real = cache_module.find_stack
    calls: list[str] = []

    def find_stack(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append("preload" if not calls else "run")
        if len(calls) == 1:
            raise OSError("the disk went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(cache_module, "find_stack", find_stack)
    monkeypatch.setattr(preload_module, "MODULES", ("greenit_async_lint.fix.no_such_module", *preload_module.MODULES))
    assert _fixes(_check(app, monkeypatch, "json", jobs=2)) == alone
    assert calls == ["preload", "run"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failed_import_fails_the_run_as_it_would_without_the_preload(app: Path, jobs: int) -> None:
    code = ("import sys; sys.modules['libcst'] = None; from greenit_async_lint.cli import main; "
            f"sys.exit(main(['check', '--no-cache', '--jobs', '{jobs}', '--format', 'json', '.']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=app)
    assert result.returncode == 2
    assert "internal error: ModuleNotFoundError: import of libcst halted; None in sys.modules" in result.stderr

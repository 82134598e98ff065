"""A gate users can trust: exit codes as ruff's, reports where they were asked for, honest output.

Each test runs the real CLI as CI or a terminal would (a subprocess) and asserts what a user sees:
the exit status, the one line on stderr, the files left behind.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES
from greenit_async_lint.formats import REGISTRY

NO_COLOR_ENV = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None, umask: int | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "greenit_async_lint", *args]
    if umask is not None:
        command = [sys.executable, "-c", f"import os, runpy, sys; os.umask({umask}); sys.argv = ['x', *sys.argv[1:]]; "
                   "runpy.run_module('greenit_async_lint', run_name='__main__')", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120,
                          env=env or NO_COLOR_ENV)


@pytest.fixture
def app(tmp_path: Path) -> Path:
    target = tmp_path / "proj"
    shutil.copytree(FIXTURES / "docconvert", target)
    return target


def _one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


# -- exit codes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["check", "fix"])
def test_a_missing_path_exits_2_with_one_line(app: Path, command: str) -> None:
    result = cli(command, "--no-cache", "does/not/exist", cwd=app)
    assert result.returncode == 2
    assert "does/not/exist" in _one_error_line(result)


def test_an_output_that_is_a_folder_exits_2_and_leaves_no_temp_file(app: Path) -> None:
    (app / "out").mkdir()
    result = cli("check", "--no-cache", "--format", "json", "-o", "out", cwd=app)
    assert result.returncode == 2
    assert "is a folder" in _one_error_line(result)
    assert list((app / "out").iterdir()) == []
    assert not [p for p in app.iterdir() if p.name.startswith(".out")]


def test_an_unwritable_output_exits_2_and_leaves_no_temp_file(app: Path) -> None:
    (app / "plain").write_text("a file, not a folder")
    result = cli("check", "--no-cache", "--format", "sarif=plain/r.sarif", cwd=app)
    assert result.returncode == 2
    assert "plain/r.sarif" in _one_error_line(result)
    assert sorted(p.name for p in app.iterdir() if p.name.startswith(".")) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_or_device_output_is_written_in_place_not_replaced(app: Path) -> None:
    """`-o /dev/null` or a named pipe: the report goes into it, and it stays what it was. The atomic
    write (a temporary file renamed over the target) turned a root user's /dev/null into a regular
    file, and refused a non-root user's ("cannot write in /dev"). Shown with a named pipe, which a
    failure cannot leave the machine without."""
    import threading

    fifo = app.parent / "report.pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = cli("check", "--no-cache", "--format", "json", "-o", str(fifo), cwd=app)
    reader.join(60)
    if reader.is_alive():  # never opened for writing: let the reader go
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(10)
    assert result.returncode == 1, result.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode), "the named pipe was replaced by a file"
    assert got and json.loads(got[0])["summary"]["violations"] == 2
    assert sorted(p.name for p in app.parent.iterdir()) == ["proj", "report.pipe"]  # no temporary file


def test_two_reports_on_stdout_are_refused_not_concatenated(app: Path) -> None:
    result = cli("check", "--no-cache", "--format", "json", "--format", "sarif", cwd=app)
    assert result.returncode == 2 and result.stdout == ""
    assert "standard output" in _one_error_line(result)


def test_an_output_with_no_format_to_pair_with_is_refused(app: Path) -> None:
    result = cli("check", "--no-cache", "--format", "json=a.json", "--format", "sarif=b.sarif", "-o", "c", cwd=app)
    assert result.returncode == 2
    assert "--output c" in _one_error_line(result)


def test_dash_is_standard_output(app: Path) -> None:
    result = cli("check", "--no-cache", "--format", "json=-", cwd=app)
    assert json.loads(result.stdout)["summary"]["violations"] == 2 and not (app / "-").exists()
    assert cli("check", "--no-cache", "--format", "json", "-o", "-", "--format", "sarif", cwd=app).returncode == 2


def test_output_before_format_pairs_with_it_and_format_equals_file_works(app: Path) -> None:
    result = cli("check", "--no-cache", "-o", "r.json", "--format", "json", cwd=app)
    assert result.returncode == 1 and result.stdout == ""
    assert json.loads((app / "r.json").read_text())["summary"]["violations"] == 2
    result = cli("check", "--no-cache", "--format", "sarif=out/r.sarif", "--format", "json", cwd=app)
    assert json.loads(result.stdout)["summary"]["violations"] == 2
    assert json.loads((app / "out" / "r.sarif").read_text())["version"] == "2.1.0"


def test_reports_are_written_with_the_umask(app: Path) -> None:
    cli("check", "--no-cache", "--format", "json=r.json", cwd=app, umask=0o022)
    assert stat.S_IMODE((app / "r.json").stat().st_mode) == 0o644
    cli("check", "--no-cache", "--format", "json=r.json", cwd=app, umask=0o077)
    assert stat.S_IMODE((app / "r.json").stat().st_mode) == 0o600


def test_an_internal_error_exits_2_with_a_hint_and_the_traceback_with_verbose(app: Path) -> None:
    code = ("import sys, greenit_async_lint.check as c\n"
            "def boom(*a, **k): raise KeyError('engine bug')\n"
            "c.run_check = boom\n"
            "from greenit_async_lint.cli import main\n"
            "raise SystemExit(main(sys.argv[1:]))\n")
    result = subprocess.run([sys.executable, "-c", code, "check", "--no-cache"], cwd=app, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    line = _one_error_line(result)
    assert "internal error" in line and "engine bug" in line and "report" in line and "--verbose" in line
    verbose = subprocess.run([sys.executable, "-c", code, "check", "--no-cache", "--verbose"], cwd=app,
                             capture_output=True, text=True, timeout=120)
    assert verbose.returncode == 2 and "Traceback" in verbose.stderr


@pytest.mark.parametrize("toml, key", [
    ("tool = 3\n", "[tool]"),
    ('[tool.greenit-async-lint]\ndocs-url = "https://example.com/{name}"\n', "docs-url"),
    ('[tool.greenit-async-lint]\ndocs-url = "https://example.com/{"\n', "docs-url"),
])
def test_bad_config_values_exit_2_naming_the_key(app: Path, toml: str, key: str) -> None:
    (app / "pyproject.toml").write_text(toml)
    result = cli("check", "--no-cache", cwd=app)
    assert result.returncode == 2
    assert key in _one_error_line(result)


@pytest.mark.parametrize("option", ["--baseline", "--runtime-report"])
def test_deep_or_huge_json_inputs_exit_2(app: Path, option: str) -> None:
    (app / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    result = cli("check", "--no-cache", option, "deep.json", cwd=app)
    assert result.returncode == 2
    assert "deep.json" in _one_error_line(result)


def test_write_baseline_exits_0(app: Path) -> None:
    result = cli("check", "--no-cache", "--write-baseline", "b.json", cwd=app)
    assert result.returncode == 0, result.stderr
    assert json.loads((app / "b.json").read_text())["entries"]


def test_a_run_that_checks_nothing_exits_2_unless_allowed(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("no python here")
    result = cli("check", "--no-cache", ".", cwd=tmp_path)
    assert result.returncode == 2 and "no Python files" in result.stderr
    assert cli("check", "--no-cache", "--allow-empty", ".", cwd=tmp_path).returncode == 0


def test_a_run_whose_files_were_all_skipped_exits_2(app: Path) -> None:
    (app / "pyproject.toml").write_text("[tool.greenit-async-lint]\nmax-file-bytes = 0\n")
    result = cli("check", "--no-cache", cwd=app)
    assert result.returncode == 2
    assert "skipped" in result.stderr and "GAL903" in result.stdout


def test_an_unreadable_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder os.walk cannot list becomes a GAL904 finding, not a silent hole in the report.
    (Simulated: the tests may run as root, who can list any folder.)"""
    from greenit_async_lint.analysis.engine import analyse
    from greenit_async_lint.config import Config
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "views.py").write_text("y = 2\n")
    real_scandir = os.scandir

    def scandir(path=None):  # type: ignore[no-untyped-def]
        if path is not None and Path(path).name == "secret":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    real_listdir = os.listdir

    def listdir(path="."):  # type: ignore[no-untyped-def]
        if Path(path).name == "secret":
            raise PermissionError(13, "Permission denied", str(path))
        return real_listdir(path)

    monkeypatch.setattr(os, "listdir", listdir)
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert [(f.path, f.code) for f in report.findings] == [("secret", "GAL904")]
    assert "cannot be listed" in report.findings[0].message


# -- help and sub-commands -------------------------------------------------------------------------

@pytest.mark.parametrize("words", [["--help"], ["check", "--help"], ["fix", "--help"], ["report", "--help"],
                                   ["report", "merge", "--help"], ["runtime", "--help"]])
def test_every_help_works(tmp_path: Path, words: list[str]) -> None:
    result = cli(*words, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


# -- what the text report says ---------------------------------------------------------------------

def test_each_text_finding_says_whether_it_fails_the_gate(app: Path) -> None:
    lines = cli("check", "--no-cache", cwd=app).stdout.splitlines()
    gal101 = next(line for line in lines if " GAL101 " in line)
    gal105 = next(line for line in lines if " GAL105 " in line)
    assert "[violation, fails the gate]" in gal101
    assert "[warning, does not fail the gate]" in gal105
    strict = cli("check", "--no-cache", "--fail-on", "warning", cwd=app).stdout
    assert "[warning, fails the gate]" in strict


def test_baselined_findings_are_counted_not_listed_unless_asked(app: Path) -> None:
    assert cli("check", "--no-cache", "--write-baseline", "b.json", cwd=app).returncode == 0
    quiet = cli("check", "--no-cache", "--baseline", "b.json", cwd=app)
    assert quiet.returncode == 0
    assert " GAL101 " not in quiet.stdout and "accepted by the baseline" in quiet.stdout
    assert "--show-baselined" in quiet.stdout
    shown = cli("check", "--no-cache", "--baseline", "b.json", "--show-baselined", cwd=app)
    assert "[violation, accepted by the baseline]" in shown.stdout


def test_colour_honours_no_color_and_force_color(app: Path) -> None:
    forced = cli("check", "--no-cache", cwd=app, env={**NO_COLOR_ENV, "FORCE_COLOR": "1"})
    assert "\033[" in forced.stdout
    both = cli("check", "--no-cache", cwd=app, env={**NO_COLOR_ENV, "FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\033[" not in both.stdout
    assert "\033[" not in cli("check", "--no-cache", cwd=app).stdout  # not a terminal
    assert "\033[" in cli("check", "--no-cache", "--color", "always", cwd=app).stdout


# -- one declaration per format --------------------------------------------------------------------

def test_every_registered_format_is_accepted_by_check_and_merge(app: Path) -> None:
    from greenit_async_lint.reporting.cli import OUTPUT_FORMATS
    for fmt in REGISTRY:
        result = cli("check", "--no-cache", "--format", f"{fmt.name}=r{fmt.extension}", cwd=app)
        assert result.returncode == 1, (fmt.name, result.stderr)
        assert (app / f"r{fmt.extension}").stat().st_size > 0
        if not fmt.core:
            assert fmt.name in OUTPUT_FORMATS


def test_formats_that_carry_fix_diffs_get_them(tmp_path: Path) -> None:
    """A format declared as carrying fixes shows the diff, and no other does (markdown and html
    were listed as carrying them, and paid for diffs they never showed)."""
    (tmp_path / "app.py").write_text("import time\nfrom fastapi import FastAPI\napp = FastAPI()\n\n"
                                     "@app.get('/wait')\nasync def wait():\n    time.sleep(2)\n    return {}\n")
    for fmt in REGISTRY:
        result = cli("check", "--no-cache", "--format", f"{fmt.name}=r{fmt.extension}", cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        body = (tmp_path / f"r{fmt.extension}").read_text()
        assert ("asyncio.sleep(2)" in body) == fmt.carries_fixes, fmt.name


def test_gal901_says_which_python_the_file_needs_and_how_to_run_the_check_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """When a newer grammar reads the file but it cannot be brought back to this Python's, the
    message names the version and the commands (simulated: the rewrite is made to fail)."""
    from greenit_async_lint.analysis import newsyntax, summarize
    monkeypatch.setattr(newsyntax, "downgrade", lambda text, reason="", line=0: ("def (:\n", frozenset({"pep750"})))
    problem = summarize.summarize(b'def f():\n    return t"{x}" + $\n', "views.py", "views", False)
    assert problem.code == "GAL901"
    assert "Python 3.14" in problem.reason and "python3.14 -m greenit_async_lint check" in problem.reason


def test_the_progress_line_shows_on_a_terminal_after_the_delay_and_is_cleared(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import time as clock
    from greenit_async_lint import progress
    monkeypatch.setattr(progress, "DELAY", 0.05)
    monkeypatch.setattr(progress, "INTERVAL", 0.02)
    terminal = io.StringIO()
    with progress.Progress("src", stream=terminal, force=True):
        deadline = clock.monotonic() + 5
        while "checking src" not in terminal.getvalue() and clock.monotonic() < deadline:
            clock.sleep(0.01)
    assert "checking src" in terminal.getvalue() and terminal.getvalue().endswith("\r\033[K")
    piped = io.StringIO()  # not a terminal: nothing, however long the run
    with progress.Progress("src", stream=piped):
        clock.sleep(0.1)
    assert piped.getvalue() == ""


def test_python_m_never_imports_the_checked_project_s_modules(app: Path) -> None:
    """`python -m` puts the current folder first on sys.path: a project's own `locale.py` (fief has
    one) must not shadow the standard library's in the checker, which would run the checked code."""
    marker = app / "imported.txt"
    (app / "locale.py").write_text(f"open({str(marker)!r}, 'w').close()\nraise ImportError('the project ran')\n")
    result = cli("check", "--no-cache", "--format", "json", ".", cwd=app)
    assert not marker.exists(), result.stderr
    assert result.returncode in (0, 1), result.stderr
    assert json.loads(result.stdout)["summary"]["files"] >= 2

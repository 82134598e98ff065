"""`greenit-async-lint fix`: diff by default, --apply writes and exits 1 when it changed files,
safe fixes only unless --unsafe-fixes, --select/--ignore, exit 2 on usage and config errors; and
the pre-commit fix hook (`entry: greenit-async-lint fix --apply`) run by real pre-commit."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from greenit_async_lint.cli import main as top_main
from greenit_async_lint.fix.cli import main

from capabilities import import_or_skip, skip_unless_available
from fixtools import CASES, copy_project, python_files


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A small project with a safe fix (a sleep in an async def) and an unsafe one (a Celery move)."""
    root = tmp_path / "project"
    copy_project(CASES / "celery_move", root)
    (root / "shop" / "live.py").write_text(
        "import time\n\nfrom fastapi import FastAPI\n\napi = FastAPI()\n\n\n"
        "@api.get('/poll')\nasync def poll():\n    time.sleep(1)\n    return {}\n")
    monkeypatch.chdir(root)
    return root


def test_diff_is_the_default_and_writes_nothing(project, capsys):
    before = python_files(project)
    assert main(["."]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("--- a/shop/live.py\n+++ b/shop/live.py\n")
    assert "+    await asyncio.sleep(1)" in out
    assert "rebuild_report_task" not in out  # unsafe: not without --unsafe-fixes
    assert "3 more findings have unsafe fixes" in err
    assert python_files(project) == before
    assert main([".", "--diff"]) == 0


def test_apply_writes_and_exits_1_then_0(project, capsys):
    assert main(["--apply", "."]) == 1
    assert "await asyncio.sleep(1)" in (project / "shop" / "live.py").read_text()
    assert "rebuild_report_task" not in (project / "shop" / "tasks.py").read_text()
    capsys.readouterr()
    assert main(["--apply", "."]) == 0  # nothing left to do: the hook passes


def test_unsafe_fixes_are_applied_only_on_request(project):
    assert main(["--apply", "--unsafe-fixes", "."]) == 1
    assert "def rebuild_report_task(name: str):" in (project / "shop" / "tasks.py").read_text()
    assert "job = rebuild_report_task.delay(name)" in (project / "shop" / "views.py").read_text()


def test_select_and_ignore_limit_the_codes_fixed(project, capsys):
    assert main(["--unsafe-fixes", "--select", "GAL101", "."]) == 0
    out = capsys.readouterr().out
    assert "rebuild_report_task" in out and "asyncio.sleep" not in out
    assert main(["--unsafe-fixes", "--ignore", "GAL101", "."]) == 0
    out = capsys.readouterr().out
    assert "rebuild_report_task" not in out and "asyncio.sleep" in out


def test_files_given_one_by_one_fix_their_handlers_only(project, capsys):
    assert main(["--apply", "shop/views.py", "--unsafe-fixes"]) == 1
    assert "time.sleep(1)" in (project / "shop" / "live.py").read_text()  # not passed: untouched
    assert "rebuild_report_task" in (project / "shop" / "views.py").read_text()


def test_reasons_for_findings_left_alone_go_to_stderr(project, capsys):
    main(["--unsafe-fixes", "."])
    err = capsys.readouterr().err
    assert "shop/views.py:26:12: GAL101 not fixed (move-to-queue): the work uses `request`, bound to the request" in err
    assert "shop/views.py:19:12: GAL101 not fixed (move-to-queue): the response (`send_file(" in err


def test_usage_and_configuration_errors_exit_2(project, capsys):
    assert main(["--apply", "--diff"]) == 2
    assert main(["--no-such-option"]) == 2
    (project / "bad.toml").write_text("[tool.greenit-async-lint]\nrequest-timeout = -1\n")
    assert main(["--config", "bad.toml", "."]) == 2
    assert "request-timeout must be a positive number" in capsys.readouterr().err


def test_request_timeout_comes_from_the_configuration(tmp_path, monkeypatch, capsys):
    root = copy_project(CASES / "requests_timeout", tmp_path / "p")
    (root / "pyproject.toml").write_text("[tool.greenit-async-lint]\nrequest-timeout = 2.5\n")
    monkeypatch.chdir(root)
    assert main(["."]) == 0
    out = capsys.readouterr().out
    assert "timeout=2.5" in out and "timeout=10" not in out


def test_the_top_level_cli_dispatches_fix(project, capsys):
    assert top_main(["fix", "."]) == 0
    assert top_main(["fix", ".", "--apply"]) == 1


def test_the_top_level_cli_passes_options_first_to_fix(project, capsys):
    assert top_main(["fix", "--apply", "."]) == 1


def test_a_fix_that_would_not_compile_writes_nothing(project, monkeypatch, capsys):
    from greenit_async_lint.fix import changes

    monkeypatch.setattr(changes.FileChanges, "render", lambda self: "def broken(:\n")
    before = python_files(project)
    assert main(["--apply", "."]) == 2
    assert "does not compile" in capsys.readouterr().err
    assert python_files(project) == before


# -- the pre-commit hook -----------------------------------------------------------------------

def _git(cwd: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=60, env=env)


def test_pre_commit_fix_hook_fixes_then_passes(tmp_path):
    """The hook entry proposed for .pre-commit-hooks.yaml, as a local hook run by real pre-commit:
    it rewrites the file and fails the commit, then passes once the fix is in."""
    if shutil.which("git") is None:
        skip_unless_available("git", "git is not installed")
    import_or_skip("pre_commit", "pre-commit")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text(
        "import time\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        "@app.get('/poll')\nasync def poll():\n    time.sleep(1)\n    return {}\n")
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: local\n  hooks:\n  - id: greenit-async-lint-fix\n"
        "    name: greenit-async-lint fix\n"
        # The manifest's entry, `greenit-async-lint fix --apply`, through this interpreter.
        f"    entry: {sys.executable} -m greenit_async_lint fix --apply\n"
        "    language: system\n    types_or: [python]\n    require_serial: true\n")
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", ".")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")

    def run() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=300)

    first = run()
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert "await asyncio.sleep(1)" in (repo / "app.py").read_text()
    _git(repo, "add", ".")
    second = run()
    assert second.returncode == 0, second.stdout + second.stderr


# -- symlinks and repeated runs ---------------------------------------------------------------

def test_a_symlinked_module_is_fixed_through_the_link(tmp_path, monkeypatch, capsys):
    root = copy_project(CASES / "asyncio_sleep", tmp_path / "p")
    monkeypatch.chdir(root)
    module = next(p for p in sorted(root.rglob("*.py")) if "time.sleep" in p.read_text())
    real = tmp_path / "elsewhere" / module.name
    real.parent.mkdir()
    real.write_text(module.read_text())
    module.unlink()
    module.symlink_to(real)
    assert main(["--apply", "."]) == 1
    assert module.is_symlink(), "the link was replaced by a regular file"
    assert "asyncio.sleep" in real.read_text()
    assert main(["--apply", "."]) == 0  # fixed once: nothing more to do


def test_a_link_to_a_missing_file_is_refused_with_a_reason(tmp_path, monkeypatch, capsys):
    from greenit_async_lint.fix.apply import FixError, real_paths
    from greenit_async_lint.fix.sources import Sources

    link = tmp_path / "gone.py"
    link.symlink_to(tmp_path / "missing.py")
    source = Sources(tmp_path).get(link)
    with pytest.raises(FixError, match="symlink to .* does not exist"):
        real_paths({link: (source, "x = 1\n")})


def test_fixes_add_no_trailing_whitespace(tmp_path, monkeypatch):
    from greenit_async_lint.fix.apply import plan_report

    from fixtools import FIXTURES, analyse

    for app in [*sorted(p for p in FIXTURES.iterdir() if p.is_dir()), *sorted(p for p in CASES.iterdir() if p.is_dir())]:
        project = copy_project(app, tmp_path / app.name)
        run = plan_report(analyse(project), unsafe=True, cwd=project)
        for source, text in run.rendered.values():
            old = set(source.original.splitlines())
            added = [line for line in text.splitlines() if line not in old and line != line.rstrip()]
            assert not added, (source.display, added)


@pytest.mark.parametrize("app", sorted(p.name for p in (CASES.parent.parent.parent / "fixtures").iterdir() if p.is_dir()))
def test_a_second_apply_changes_nothing(app, tmp_path, monkeypatch, capsys):
    """`fix --apply` fixes until nothing changes (a fix can uncover the handler's next blocking
    call), so running it again, as a pre-commit hook does, writes nothing."""
    root = copy_project(CASES.parent.parent.parent / "fixtures" / app, tmp_path / app)
    monkeypatch.chdir(root)
    main(["--apply", "--unsafe-fixes", "--no-cache", "."])
    before = python_files(root)
    assert main(["--apply", "--unsafe-fixes", "--no-cache", "."]) == 0
    assert python_files(root) == before

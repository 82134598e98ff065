"""Configuration found as ruff finds it: nearest to what is checked, patterns relative to the file,
.gitignore respected, per-file ignores, --show-settings; single-file runs that stop at $HOME.

Each test runs the real CLI (or flake8) from a folder other than the project's where that matters:
before, the configuration came from the current folder, so `check proj` from the parent and
`check .` inside gave different answers.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES

ENV = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "greenit_async_lint", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=env or ENV)


def codes(result: subprocess.CompletedProcess) -> list[tuple[str, str]]:
    assert result.returncode in (0, 1), result.stderr
    return sorted((f["path"], f["code"]) for f in json.loads(result.stdout)["findings"])


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    target = tmp_path / "work" / "proj"
    shutil.copytree(FIXTURES / "docconvert", target)
    (target / "pyproject.toml").write_text('[tool.greenit-async-lint]\nignore = ["GAL105"]\n')
    return target


def test_the_config_nearest_to_the_checked_path_applies_from_anywhere(proj: Path) -> None:
    inside = codes(cli("check", "--no-cache", "--format", "json", ".", cwd=proj))
    outside = codes(cli("check", "--no-cache", "--format", "json", "proj", cwd=proj.parent))
    assert "GAL105" not in {code for _path, code in inside}
    assert [(path.removeprefix("proj/"), code) for path, code in outside] == inside


def test_exclude_patterns_are_relative_to_the_config_file(proj: Path) -> None:
    (proj / "pyproject.toml").write_text("")
    assert "GAL105" in {code for _path, code in codes(cli("check", "--no-cache", "--format", "json", cwd=proj))}
    # Without the mailer module, the e-mail sent through it is not seen.
    (proj / "pyproject.toml").write_text('[tool.greenit-async-lint]\nexclude = ["convert_sync/mailer.py"]\n')
    inside = codes(cli("check", "--no-cache", "--format", "json", ".", cwd=proj))
    outside = codes(cli("check", "--no-cache", "--format", "json", "proj", cwd=proj.parent))
    assert "GAL105" not in {code for _path, code in inside + outside}
    assert [(path.removeprefix("proj/"), code) for path, code in outside] == inside != []


def test_a_dedicated_config_file_and_a_pyproject_without_the_table(proj: Path) -> None:
    """`.greenit-async-lint.toml` is found like pyproject.toml; a sub-folder's pyproject.toml that
    does not configure this tool does not hide the project's."""
    (proj / "pyproject.toml").unlink()
    (proj / ".greenit-async-lint.toml").write_text('ignore = ["GAL104"]\n')
    (proj / "convert_sync" / "pyproject.toml").write_text('[tool.black]\nline-length = 100\n')
    found = codes(cli("check", "--no-cache", "--format", "json", "convert_sync", cwd=proj))
    assert found and "GAL104" not in {code for _path, code in found}


def test_gitignored_files_are_skipped_unless_asked(proj: Path) -> None:
    (proj / ".gitignore").write_text("# generated\nconvert_sync/\n")
    skipped = codes(cli("check", "--no-cache", "--format", "json", cwd=proj))
    assert not any(path.startswith("convert_sync/") for path, _code in skipped)
    kept = codes(cli("check", "--no-cache", "--format", "json", "--no-respect-gitignore", cwd=proj))
    assert any(path.startswith("convert_sync/") for path, _code in kept)
    # Named on the command line, an ignored folder is checked (a package inside a virtualenv).
    named = codes(cli("check", "--no-cache", "--format", "json", "convert_sync", cwd=proj))
    assert named == [f for f in kept if f[0].startswith("convert_sync/")]


def test_per_file_ignores(proj: Path) -> None:
    (proj / "pyproject.toml").write_text('[tool.greenit-async-lint]\n[tool.greenit-async-lint.per-file-ignores]\n'
                                         '"convert_sync/*" = ["GAL104"]\n"convert_async/*" = ["GAL1"]\n')
    found = {code for _path, code in codes(cli("check", "--no-cache", "--format", "json", "proj", cwd=proj.parent))}
    assert "GAL104" not in found and {"GAL101", "GAL105"} <= found


def test_per_file_ignores_with_a_typo_exits_2(proj: Path) -> None:
    (proj / "pyproject.toml").write_text('[tool.greenit-async-lint.per-file-ignores]\n"x/*" = ["GAL1O1"]\n')
    result = cli("check", "--no-cache", cwd=proj)
    assert result.returncode == 2 and "per-file-ignores" in result.stderr


def test_show_settings_prints_the_resolved_config_and_its_source(proj: Path) -> None:
    result = cli("check", "--show-settings", "proj", cwd=proj.parent)
    assert result.returncode == 0
    assert str(proj / "pyproject.toml") in result.stdout
    assert 'ignore = ["GAL105"]' in result.stdout
    assert "max-depth = 8" in result.stdout


def test_a_single_file_run_stops_at_home_and_says_reach_was_limited(tmp_path: Path) -> None:
    """A `.git` in the home folder is not a project: the run follows calls within the file's own
    packages, does not crawl the home folder, and says so."""
    home = tmp_path / "home"
    (home / ".git").mkdir(parents=True)
    for n in range(30):
        (home / "other" / f"m{n}").mkdir(parents=True)
        (home / "other" / f"m{n}" / "big.py").write_text("def f():\n    return 1\n" * 50)
    (home / "scratch").mkdir()
    (home / "scratch" / "empty.py").write_text("")
    result = cli("check", "--no-cache", "--format", "json", "--allow-empty", "scratch/empty.py", cwd=home,
                 env={**ENV, "HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["files"] == 1
    assert "calls are followed only within" in result.stderr


def test_flake8_disable_noqa_is_honoured_for_gal_codes(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "app.py").write_text("import time\nfrom fastapi import FastAPI\napp = FastAPI()\n\n"
                                     "@app.get('/wait')\nasync def wait():\n    time.sleep(2)  # noqa: GAL108\n"
                                     "    return {}\n")
    flake8 = [sys.executable, "-m", "flake8", "--select", "GAL", "app.py"]
    quiet = subprocess.run(flake8, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert quiet.returncode == 0 and quiet.stdout == ""
    loud = subprocess.run([*flake8, "--disable-noqa"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert loud.returncode == 1 and "GAL108 [violation, fails the gate]" in loud.stdout
    assert cli("check", "--no-cache", "--disable-noqa", cwd=tmp_path).returncode == 1

"""The pre-commit hooks: the manifest validates, every hook is in the README, and the real
`pre-commit try-repo` fails a throwaway repository whose Flask view reaches `soffice` through a
helper in another module, and passes it once the view queues the work with `.delay()`."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from capabilities import no_package_index, skip_unless_available
from conftest import REPO

MANIFEST = REPO / ".pre-commit-hooks.yaml"
INSTALL_TIMEOUT = 900  # the first run builds the hook's virtualenv and pip-installs this repo
RUN_TIMEOUT = 300

HELPERS = '''\
import subprocess


def convert(name):
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", name], check=True)
    return name + ".pdf"
'''
TASKS = '''\
from celery import shared_task

from helpers import convert


@shared_task
def convert_job(name):
    return convert(name)
'''
VIOLATING_VIEWS = '''\
from flask import Flask

from helpers import convert

app = Flask(__name__)


@app.post("/convert/<name>")
def convert_view(name):
    pdf = convert(name)
    return {"pdf": pdf}
'''
OFFLOADED_VIEWS = '''\
from flask import Flask

from tasks import convert_job

app = Flask(__name__)


@app.post("/convert/<name>")
def convert_view(name):
    job = convert_job.delay(name)
    return {"status": f"/jobs/{job.id}"}, 202
'''


def _git_env() -> dict[str, str]:
    # Run from inside a git hook, GIT_DIR/GIT_INDEX_FILE... would point at the outer repository.
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def _git(cwd: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=True,
                          env=_git_env(), **kwargs)


def _validate_manifest(paths: list[str]) -> int:
    try:  # pre-commit >= 3
        from pre_commit.commands.validate_manifest import validate_manifest
    except ImportError:  # older releases
        from pre_commit.clientlib import validate_manifest_main as validate_manifest
    return validate_manifest(paths)


def test_manifest_validates_with_pre_commits_own_schema(tmp_path: Path) -> None:
    from pre_commit.clientlib import load_manifest

    assert _validate_manifest([str(MANIFEST)]) == 0
    broken = tmp_path / ".pre-commit-hooks.yaml"  # the validator does reject: a hook without entry
    broken.write_text(re.sub(r"(?m)^  entry:.*\n", "", MANIFEST.read_text()))
    assert _validate_manifest([str(broken)]) != 0
    hooks = {hook["id"]: hook for hook in load_manifest(str(MANIFEST))}
    check = hooks["greenit-async-lint"]
    assert check["entry"] == "greenit-async-lint check --allow-empty"  # a commit of excluded files only passes
    assert check["language"] == "python"
    assert check["types_or"] == ["python", "pyi"]
    assert check["require_serial"] is True  # the tool parallelises itself
    assert check["pass_filenames"] is True


def test_every_hook_entry_is_a_console_script_of_this_package() -> None:
    from pre_commit.clientlib import load_manifest

    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    for hook in load_manifest(str(MANIFEST)):
        assert hook["entry"].split()[0] in scripts, hook["id"]


def test_every_hook_id_is_documented_in_the_readme() -> None:
    from pre_commit.clientlib import load_manifest

    readme = (REPO / "README.md").read_text("utf-8")
    missing = [hook["id"] for hook in load_manifest(str(MANIFEST))
               if not re.search(rf"\bid:\s*{re.escape(hook['id'])}\s*$", readme, re.MULTILINE)]
    assert not missing, f"hooks not shown in a README .pre-commit-config.yaml block: {missing}"


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One PRE_COMMIT_HOME for the session: the hook's environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """(repository, rev) for try-repo: this checkout, with its uncommitted changes to tracked files.

    `try-repo` does the same itself when the checkout is dirty, but then commits a new shadow
    repository on every call, so each call would build a new environment; one snapshot per
    session keeps the same (repo, rev) and the environment built once."""
    if shutil.which("git") is None:
        skip_unless_available("git", "git is not installed")
    snapshot = tmp_path_factory.mktemp("checkout") / "repo"
    _git(REPO.parent, "clone", "--quiet", str(REPO), str(snapshot))
    diff = subprocess.run(["git", "diff", "HEAD", "--binary"], cwd=REPO, capture_output=True, timeout=120,
                          check=True, env=_git_env()).stdout
    if diff.strip():
        subprocess.run(["git", "apply", "--binary", "-"], cwd=snapshot, input=diff, capture_output=True,
                       timeout=120, check=True, env=_git_env())
        _git(snapshot, "add", "-A")
        _git(snapshot, "-c", "user.email=tests@example.com", "-c", "user.name=tests", "commit", "-q", "-m",
             "uncommitted changes of the checkout")
    return str(snapshot), _git(snapshot, "rev-parse", "HEAD").stdout.strip()


@pytest.fixture
def app_repo(tmp_path: Path) -> Path:
    """A throwaway git repository with a small Flask app whose view reaches soffice via helpers.py."""
    repo = tmp_path / "app"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "tests@example.com")
    _git(repo, "config", "user.name", "tests")
    (repo / "pyproject.toml").write_text('[project]\nname = "converter"\nversion = "1.0"\n')
    (repo / "helpers.py").write_text(HELPERS)
    (repo / "tasks.py").write_text(TASKS)
    (repo / "views.py").write_text(VIOLATING_VIEWS)
    _commit(repo, "a Flask app that converts documents in the request")
    return repo


def _commit(repo: Path, message: str) -> None:
    _git(repo, "add", "pyproject.toml", "helpers.py", "tasks.py", "views.py")
    _git(repo, "commit", "-q", "-m", message)


def try_repo(app: Path, hook_repo: tuple[str, str], home: Path, *args: str) -> subprocess.CompletedProcess:
    repo, rev = hook_repo
    env = {**_git_env(), "PRE_COMMIT_HOME": str(home), "PIP_DISABLE_PIP_VERSION_CHECK": "1",
           "PRE_COMMIT_COLOR": "never"}
    built = any(home.glob("repo*/py_env-*"))
    result = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", repo, "greenit-async-lint",
                             "--ref", rev, *args], cwd=app, capture_output=True, text=True, env=env,
                            timeout=RUN_TIMEOUT if built else INSTALL_TIMEOUT)
    output = result.stdout + result.stderr
    if result.returncode not in (0, 1) or "An unexpected error has occurred" in output:
        log = home / "pre-commit.log"
        details = log.read_text() if log.exists() else ""
        if no_package_index(output + details):
            skip_unless_available("pre-commit", "pre-commit could not install the hook: no access to the package index")
        pytest.fail(f"pre-commit try-repo failed to run ({result.returncode}):\n{output}\n{details}")
    return result


def test_hook_fails_on_the_violating_handler_and_passes_once_it_offloads(
        app_repo: Path, hook_repo: tuple[str, str], pre_commit_home: Path) -> None:
    failing = try_repo(app_repo, hook_repo, pre_commit_home, "--all-files")
    assert failing.returncode == 1, failing.stdout
    assert re.search(r"^views\.py:10:\d+: GAL101 .*\(handler convert_view via convert -> subprocess\.run\)$",
                     failing.stdout, re.MULTILINE), failing.stdout

    (app_repo / "views.py").write_text(OFFLOADED_VIEWS)
    _commit(app_repo, "queue the conversion")
    passing = try_repo(app_repo, hook_repo, pre_commit_home, "--all-files")
    assert passing.returncode == 0, passing.stdout
    assert "GAL" not in passing.stdout


def test_hook_given_one_file_still_follows_calls_into_the_repository(
        app_repo: Path, hook_repo: tuple[str, str], pre_commit_home: Path) -> None:
    only_views = try_repo(app_repo, hook_repo, pre_commit_home, "--files", "views.py")
    assert only_views.returncode == 1, only_views.stdout
    assert "views.py:10:" in only_views.stdout and "subprocess.run" in only_views.stdout
    only_helpers = try_repo(app_repo, hook_repo, pre_commit_home, "--files", "helpers.py")
    assert only_helpers.returncode == 0, only_helpers.stdout  # no handler defined there


def test_the_tools_own_exclude_wins_over_the_files_pre_commit_passes(
        app_repo: Path, hook_repo: tuple[str, str], pre_commit_home: Path) -> None:
    (app_repo / "pyproject.toml").write_text('[project]\nname = "converter"\nversion = "1.0"\n\n'
                                             '[tool.greenit-async-lint]\nexclude = ["views.py"]\n')
    _commit(app_repo, "exclude the legacy view")
    result = try_repo(app_repo, hook_repo, pre_commit_home, "--files", "views.py")
    assert result.returncode == 0, result.stdout

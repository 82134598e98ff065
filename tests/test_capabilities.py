"""The skip guard CI can forbid (GREENIT_REQUIRE), and the pre-commit test's no-network check."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from capabilities import ENV, UnknownCapability, import_or_skip, no_package_index, required, skip_unless_available
from conftest import REPO

PIP_OFFLINE = (
    "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection "
    "broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f3>: Failed to "
    "establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/pyyaml/\n"
    "ERROR: Could not find a version that satisfies the requirement pyyaml>=6 (from versions: none)\n"
    "ERROR: No matching distribution found for pyyaml>=6\n")
PIP_BROKEN_REQUIREMENT = (
    "ERROR: Could not find a version that satisfies the requirement pyyamll>=6 (from versions: none)\n"
    "ERROR: No matching distribution found for pyyamll>=6\n")


def test_no_package_index_is_told_apart_from_a_broken_requirement() -> None:
    assert no_package_index(PIP_OFFLINE)
    assert not no_package_index(PIP_BROKEN_REQUIREMENT)


def test_required_capabilities_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert required() == set()
    monkeypatch.setenv(ENV, " chromium, servers ,")
    assert required() == {"chromium", "servers"}
    monkeypatch.setenv(ENV, "all")
    assert {"chromium", "pre-commit", "servers"} <= required()
    monkeypatch.setenv(ENV, "chromium,chromum")
    with pytest.raises(UnknownCapability, match="chromum"):
        required()


def test_a_missing_capability_skips_unless_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="no chromium here"):
        skip_unless_available("chromium", "no chromium here")
    monkeypatch.setenv(ENV, "chromium")
    with pytest.raises(pytest.fail.Exception, match="no chromium here; GREENIT_REQUIRE requires chromium"):
        skip_unless_available("chromium", "no chromium here")
    monkeypatch.setenv(ENV, "servers")
    with pytest.raises(pytest.fail.Exception, match="not_a_real_server"):
        import_or_skip("not_a_real_server", "servers")
    assert import_or_skip("json", "servers").dumps([]) == "[]"


def _pytest(tmp_path, test: str, require: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_needs_chromium.py").write_text(test)
    env = {k: v for k, v in os.environ.items() if k != ENV} | ({ENV: require} if require else {})
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                           "--rootdir", str(tmp_path), "--confcutdir", str(tmp_path), str(tmp_path)],
                          cwd=tmp_path, env={**env, "PYTHONPATH": str(REPO / "tests")}, capture_output=True,
                          text=True, timeout=120)


def test_a_required_capability_turns_the_skip_into_a_failure_in_a_real_run(tmp_path) -> None:
    """Through pytest itself, as CI runs it: a missing capability is a skip, or a failed run."""
    test = ("from capabilities import skip_unless_available\n\n"
            "def test_render():\n    skip_unless_available('chromium', 'Chromium not found')\n")
    skipped = _pytest(tmp_path, test, "")
    assert skipped.returncode == 0 and "1 skipped" in skipped.stdout, skipped.stdout
    failed = _pytest(tmp_path, test, "chromium,pre-commit,servers")
    assert failed.returncode == 1 and "1 failed" in failed.stdout and "requires chromium" in failed.stdout


def test_a_misspelt_requirement_stops_the_suite(tmp_path) -> None:
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "tests/test_capabilities.py",
                             "-k", "broken_requirement"], cwd=REPO, env={**os.environ, ENV: "chromum"},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 4 and "unknown capabilities ['chromum']" in result.stderr + result.stdout


def _ci_sandbox(tmp_path, apt_get: str):
    """A copy of .ci/run with a PATH that has no chromium, a fake apt-get, and a python3 that
    records being called (the script must stop before it builds the venv)."""
    root = tmp_path / "checkout"
    (root / ".ci").mkdir(parents=True)
    shutil.copy(REPO / ".ci" / "run", root / ".ci" / "run")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("dirname", "cat"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    scripts = {"apt-get": apt_get, "python3": f"#!/bin/sh\necho called > {tmp_path}/python3-called\nexit 0\n"}
    for name, text in scripts.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return subprocess.run(["/bin/bash", str(root / ".ci" / "run")], env={"PATH": str(bin_dir)},
                          capture_output=True, text=True, timeout=60)


def test_ci_fails_when_chromium_cannot_be_installed(tmp_path) -> None:
    result = _ci_sandbox(tmp_path, "#!/bin/sh\nexit 100\n")
    assert result.returncode == 1, result.stderr
    assert "error: chromium could not be installed" in result.stderr
    assert not (tmp_path / "python3-called").exists()


def test_ci_fails_when_the_install_leaves_no_chromium(tmp_path) -> None:
    result = _ci_sandbox(tmp_path, "#!/bin/sh\nexit 0\n")
    assert result.returncode == 1 and "still not on PATH" in result.stderr


def test_ci_requires_the_capabilities_it_installs() -> None:
    script = (REPO / ".ci" / "run").read_text()
    line = next(line for line in script.splitlines() if line.startswith(f"export {ENV}="))
    assert {"chromium", "pre-commit", "servers"} <= set(line.split("=", 1)[1].split(","))
    assert script.index(line) < script.index("-m pytest")

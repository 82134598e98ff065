"""The CI gate end to end: every format in one run, SARIF against the official schema, baselines,
fail-on, and runtime evidence joined to the static findings."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES

SCHEMA = json.loads((Path(__file__).parent / "reporting" / "data" / "sarif-schema-2.1.0.json").read_text())


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "greenit_async_lint", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=180)


@pytest.fixture
def app(tmp_path: Path) -> Path:
    target = tmp_path / "docconvert"
    shutil.copytree(FIXTURES / "docconvert", target)
    return target


def test_every_format_in_one_run_and_sarif_validates(app: Path) -> None:
    formats = {"json": "r.json", "sarif": "r.sarif", "junit": "r.xml", "markdown": "r.md", "html": "r.html",
               "gitlab": "r-gl.json", "github": "r.github", "text": "r.txt"}
    args = [a for fmt, out in formats.items() for a in ("--format", fmt, "--output", f"out/{out}")]
    result = cli("check", "--no-cache", *args, cwd=app)
    assert result.returncode == 1, result.stderr
    for out in formats.values():
        assert (app / "out" / out).stat().st_size > 0, out
    sarif = json.loads((app / "out/r.sarif").read_text())
    jsonschema.validate(sarif, SCHEMA)
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"GAL101", "GAL104", "GAL105"}
    conversion = next(r for r in results if r["ruleId"] == "GAL101")
    flow = conversion["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [loc["location"]["physicalLocation"]["artifactLocation"]["uri"] for loc in flow][-1].endswith("converter.py")
    assert "NOT COMPLIANT" in (app / "out/r.md").read_text()
    assert "<testcase" in (app / "out/r.xml").read_text()


def test_baseline_accepts_known_violations_and_catches_new_ones(app: Path) -> None:
    # Recording the baseline is the job asked for: exit 0, as ruff's --add-noqa (issue 16).
    assert cli("check", "--no-cache", "--write-baseline", "baseline.json", cwd=app).returncode == 0
    accepted = cli("check", "--no-cache", "--baseline", "baseline.json", cwd=app)
    assert accepted.returncode == 0, accepted.stdout
    assert "accepted by the baseline" in accepted.stdout

    # A line move and an unrelated edit keep the fingerprints.
    views = app / "convert_sync" / "app.py"
    views.write_text("# a comment that moves every line\n\n" + views.read_text())
    assert cli("check", "--no-cache", "--baseline", "baseline.json", cwd=app).returncode == 0

    # A new violation is not in the baseline.
    views.write_text(views.read_text() + "\n\n@app.post('/again')\ndef again():\n"
                     "    convert_file(UPLOADS / 'x.docx')\n    return 'ok'\n")
    new = cli("check", "--no-cache", "--baseline", "baseline.json", "--format", "json", cwd=app)
    assert new.returncode == 1
    fresh = [f for f in json.loads(new.stdout)["findings"] if not f["baselined"] and f["severity"] == "violation"]
    assert [f["handler"]["qualname"] for f in fresh] == ["again"]


def test_stale_baseline_entries_are_reported(app: Path) -> None:
    cli("check", "--no-cache", "--write-baseline", "baseline.json", cwd=app)
    shutil.rmtree(app / "convert_sync")
    result = cli("check", "--no-cache", "--baseline", "baseline.json", cwd=app)
    assert result.returncode == 0 and "stale baseline entries" in result.stdout


def test_fail_on_warning_and_max_violations(app: Path) -> None:
    shutil.rmtree(app / "convert_async")
    (app / "convert_sync" / "app.py").write_text(
        "from flask import Flask\nfrom mailer import send_link\napp = Flask(__name__)\n\n"
        "@app.post('/notify')\ndef notify():\n    send_link('a@example.com', '/x')\n    return 'ok'\n")
    assert cli("check", "--no-cache", cwd=app).returncode == 0
    assert cli("check", "--no-cache", "--fail-on", "warning", cwd=app).returncode == 1
    (app / "convert_sync" / "app.py").write_text((FIXTURES / "docconvert/convert_sync/app.py").read_text())
    assert cli("check", "--no-cache", "--max-violations", "2", cwd=app).returncode == 0
    assert cli("check", "--no-cache", "--max-violations", "1", cwd=app).returncode == 1


def test_bad_baseline_file_exits_2(app: Path) -> None:
    (app / "baseline.json").write_text("{not json")
    result = cli("check", "--no-cache", "--baseline", "baseline.json", cwd=app)
    assert result.returncode == 2 and "baseline" in result.stderr


def test_runtime_report_is_joined_to_its_handler(app: Path) -> None:
    runtime = {
        "version": 1, "kind": "runtime", "tool": {"name": "greenit-async-lint", "version": "0"},
        "routes": [{"route": "/convert", "method": "POST", "count": 4, "max_wait_s": 93.0}],
        "findings": [{"severity": "violation", "route": "/convert", "method": "POST", "count": 2, "max_wait_s": 93.0,
                      "handler": {"qualname": "convert", "path": "convert_sync/app.py", "line": 14},
                      "leaf": {"path": "convert_sync/converter.py", "line": 10, "call": "subprocess.run"}},
                     {"severity": "violation", "route": "/status", "method": "GET", "count": 1, "max_wait_s": 75.0,
                      "handler": {"qualname": "status", "path": "convert_async/app.py", "line": 33},
                      "leaf": {"path": "convert_async/app.py", "line": 35, "call": "AsyncResult.successful"}}],
    }
    (app / "runtime.json").write_text(json.dumps(runtime))
    result = cli("check", "--no-cache", "--runtime-report", "runtime.json", "--format", "json", cwd=app)
    data = json.loads(result.stdout)
    handlers = {h["qualname"]: h for h in data["handlers"]}
    assert handlers["convert"]["runtime"]["max_wait_s"] == 93.0
    measured = [f for f in data["findings"] if f.get("source") == "runtime"]
    # The static checker missed the slow status page: the runtime finding says so, with its call.
    assert any(f["handler"]["qualname"] == "status" and f["chain"][0]["call"] == "AsyncResult.successful"
               for f in measured)
    assert result.returncode == 1

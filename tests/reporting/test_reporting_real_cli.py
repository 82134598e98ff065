"""The renderers on the real checker's output: `greenit-async-lint check fixtures/<app> --format json`.

The sample reports under data/ are hand-made; this makes sure the formats also hold for what the
checker actually writes, and that the CLI wiring (`--format F --output FILE`, `report merge`)
reaches this package.
"""
from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from greenit_async_lint.reporting import FORMATS, render

REPO = Path(__file__).resolve().parents[2]
APPS = sorted(p for p in (REPO / "fixtures").glob("*") if p.is_dir() and any(p.rglob("*.py")))
TIMEOUT_S = 300

def cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "greenit_async_lint", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=TIMEOUT_S)


@pytest.fixture(scope="module")
def real_reports() -> dict[str, dict]:
    assert APPS, "no fixture apps found: this test would prove nothing"
    out = {}
    for app in APPS:
        result = cli("check", str(app.relative_to(REPO)), "--format", "json", "--no-cache")
        assert result.returncode in (0, 1), result.stderr
        out[app.name] = json.loads(result.stdout)
    return out


def test_every_format_renders_the_real_reports(real_reports, sarif_schema):
    validator = jsonschema.Draft4Validator(sarif_schema)
    for name, report in real_reports.items():
        texts = {fmt: render(report, fmt) for fmt in FORMATS}
        errors = list(validator.iter_errors(json.loads(texts["sarif"])))
        assert not errors, (name, errors[0].message)
        cases = ET.fromstring(texts["junit"].encode()).find("testsuite").findall("testcase")
        errors_count = sum(1 for f in report["findings"] if f["handler"] is None)
        assert len(cases) == len(report["handlers"]) + errors_count, name
        assert len(json.loads(texts["gitlab"])) == len(report["findings"]), name
        for handler in report["handlers"]:
            assert handler["qualname"] in texts["markdown"] and handler["qualname"] in texts["html"], name
        verdict = "NOT COMPLIANT" if report["summary"]["violations"] else "COMPLIANT"
        assert f"compliance report: {verdict}" in texts["markdown"], name


def test_check_writes_several_formats_in_one_run(real_reports, tmp_path):
    app = APPS[0].relative_to(REPO)
    sarif, html, md = tmp_path / "r.sarif", tmp_path / "r.html", tmp_path / "r.md"
    result = cli("check", str(app), "--no-cache", "--format", "sarif", "--output", str(sarif),
                 "--format", "html", "--output", str(html), "--format", "markdown", "--output", str(md))
    assert result.returncode in (0, 1), result.stderr
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert html.read_text().startswith("<!DOCTYPE html>")
    assert md.read_text().startswith("# GreenIT 112 compliance report")


def test_report_merge_through_the_main_cli(real_reports, tmp_path):
    paths = []
    for name, report in real_reports.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(report))
        paths.append(str(path))
    runtime = REPO / "tests" / "reporting" / "data" / "runtime_report.json"
    result = cli("report", "merge", *paths, str(runtime), "--format", "markdown")
    assert result.returncode == 0, result.stderr
    assert "run_billing" in result.stdout
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    result = cli("report", "merge", paths[0], str(bad))
    assert result.returncode == 2 and "bad.json" in result.stderr

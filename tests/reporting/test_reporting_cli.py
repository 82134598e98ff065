"""`report merge` front end: outputs per format, exit 2 with a reason on bad input, the gate."""
from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import pytest

from greenit_async_lint.reporting.baseline import write_baseline
from greenit_async_lint.reporting.cli import report_merge_main


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = report_merge_main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path, static_report, runtime_report):
    a, b = tmp_path / "static.json", tmp_path / "runtime.json"
    a.write_text(json.dumps(static_report))
    b.write_text(json.dumps(runtime_report))
    return str(a), str(b)


def test_default_is_merged_json_on_stdout(files):
    code, out, err = run(list(files))
    assert code == 0, err
    merged = json.loads(out)
    assert merged["summary"]["handlers"] == 9 and merged["kind"] == "merged"


def test_each_format_goes_to_its_output(files, tmp_path):
    argv = [*files, "--format", "sarif", "--output", str(tmp_path / "out" / "r.sarif"),
            "--format", "junit", "--output", str(tmp_path / "r.xml"), "--format", "markdown"]
    code, out, err = run(argv)
    assert code == 0, err
    assert json.loads((tmp_path / "out" / "r.sarif").read_text())["version"] == "2.1.0"
    assert ET.fromstring((tmp_path / "r.xml").read_bytes()).tag == "testsuites"
    assert out.startswith("# GreenIT 112 compliance report: NOT COMPLIANT")


@pytest.mark.parametrize("content, reason", [
    (None, "cannot read"),
    ("{broken", "is not JSON"),
    ('{"version": 1, "findings": [{"severity": "violation"}]}', "findings[0]: missing finding 'code'"),
    ('[1, 2]', "a report is a JSON object"),
])
def test_bad_input_exits_2_naming_the_file(files, tmp_path, content, reason):
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    code, out, err = run([files[0], str(bad)])
    assert code == 2 and out == ""
    assert str(bad) in err and reason in err


@pytest.mark.parametrize("argv_tail, reason", [
    (["--format", "markdown", "--format", "html"], "only one --format can go to standard output"),
    (["--format", "html", "--output", "a.html", "--output", "b.html"], "each --output needs a --format"),
    (["--format", "pdf"], "invalid choice"),
])
def test_usage_errors_exit_2(files, argv_tail, reason):
    code, _, err = run([files[0], *argv_tail])
    assert code == 2 and reason in err


def test_output_alone_writes_the_merged_json(files, tmp_path):
    code, out, _ = run([*files, "--output", str(tmp_path / "merged.json")])
    assert code == 0 and out == ""
    assert json.loads((tmp_path / "merged.json").read_text())["version"] == 1


def test_no_report_at_all_is_a_usage_error():
    code, _, err = run([])
    assert code == 2 and "usage" in err


def test_gate_and_baseline(files, tmp_path, static_report, runtime_report):
    assert run([*files, "--gate", "--output", "-", "--format", "json"])[0] == 1
    baseline = tmp_path / "b.json"
    from greenit_async_lint.reporting.merge import merge_reports

    write_baseline(merge_reports([static_report, runtime_report]), baseline)
    code, out, err = run([*files, "--gate", "--baseline", str(baseline)])
    assert code == 0, err
    assert json.loads(out)["config"]["baseline"] == str(baseline)
    assert run([*files, "--gate", "--max-violations", "7"])[0] == 0
    assert run([*files, "--gate", "--max-violations", "6"])[0] == 1


def test_bad_baseline_exits_2(files, tmp_path):
    bad = tmp_path / "b.json"
    bad.write_text('{"version": 7}')
    code, _, err = run([*files, "--baseline", str(bad)])
    assert code == 2 and "not a version-1" in err

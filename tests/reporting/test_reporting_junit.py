"""JUnit XML: one test case per handler, failed for violations, following the gate's fail_on."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from greenit_async_lint.reporting import render
from greenit_async_lint.reporting.merge import merge_reports


def cases(report):
    root = ET.fromstring(render(report, "junit").encode("utf-8"))
    suite = root.find("testsuite")
    assert suite is not None
    return suite, {c.get("name"): c for c in suite.findall("testcase")}


def test_one_case_per_handler_plus_one_per_unanalysed_file(static_report):
    suite, by_name = cases(static_report)
    assert len(by_name) == len(static_report["handlers"]) + 1
    assert suite.get("tests") == str(len(by_name))
    names = " ".join(by_name)
    for handler in static_report["handlers"]:
        assert handler["qualname"] in names


def test_violations_fail_warnings_pass(static_report):
    suite, by_name = cases(static_report)
    failed = sorted(n.split(" ")[0] for n, c in by_name.items() if c.find("failure") is not None)
    assert failed == ["ReportView.get", "convert", "export_archive", "upload_video"]
    assert suite.get("failures") == "4"
    rates = next(c for n, c in by_name.items() if n.startswith("rates"))
    assert rates.find("failure") is None
    assert "GAL106" in rates.find("system-out").text
    broken = next(c for n, c in by_name.items() if n.startswith("GAL901"))
    assert broken.find("error") is not None and suite.get("errors") == "1"


def test_failure_text_holds_the_chain_and_the_fix(static_report):
    _, by_name = cases(static_report)
    report_view = next(c for n, c in by_name.items() if n.startswith("ReportView.get"))
    failure = report_view.find("failure")
    assert failure.get("type") == "GAL101"
    assert "build_report (app/reports/views.py:18) -> convert_to_pdf" in failure.text
    assert "fix: Queue the conversion as a job" in failure.text
    assert report_view.get("file") == "app/reports/views.py" and report_view.get("line") == "12"


def test_fail_on_warning_fails_warning_handlers_too(static_report):
    static_report["config"]["fail_on"] = "warning"
    suite, _ = cases(static_report)
    assert suite.get("failures") == "6"


def test_baselined_violations_are_skipped_not_failed(static_report):
    for finding in static_report["findings"]:
        if finding["handler"] and finding["handler"]["qualname"] == "export_archive":
            finding["baselined"] = True
    suite, by_name = cases(static_report)
    export = next(c for n, c in by_name.items() if n.startswith("export_archive"))
    assert export.find("failure") is None and export.find("skipped") is not None
    assert suite.get("failures") == "3" and suite.get("skipped") == "1"


def test_runtime_only_violation_fails_its_handler(runtime_report):
    _, by_name = cases(merge_reports([runtime_report]))
    billing = next(c for n, c in by_name.items() if n.startswith("run_billing"))
    assert billing.find("failure") is not None
    assert "95.0" in billing.find("failure").text


def test_hostile_strings_are_escaped(hostile_report):
    text = render(hostile_report, "junit")
    assert "<script>" not in text
    _, by_name = cases(hostile_report)
    assert any("View<script>.get|x" in name for name in by_name)  # round-trips as text

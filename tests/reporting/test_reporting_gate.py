"""The CI gate: counts non-baselined violations (and warnings on request) against a maximum."""
from __future__ import annotations

import pytest

from greenit_async_lint.reporting.gate import gate_count, gate_exit_code
from greenit_async_lint.reporting.merge import merge_reports


def test_clean_report_passes(clean_report):
    assert gate_exit_code(clean_report) == 0


def test_violations_fail_by_default(static_report):
    assert gate_count(static_report) == 5
    assert gate_exit_code(static_report) == 1


def test_maximum_is_inclusive(static_report):
    assert gate_exit_code(static_report, max_violations=5) == 0
    assert gate_exit_code(static_report, max_violations=4) == 1


def test_warnings_count_only_with_fail_on_warning(static_report):
    static_report["findings"] = [f for f in static_report["findings"] if f["severity"] != "violation"]
    assert gate_exit_code(static_report) == 0
    assert gate_count(static_report, "warning") == 2
    assert gate_exit_code(static_report, fail_on="warning") == 1
    assert gate_exit_code(static_report, max_violations=2, fail_on="warning") == 0


def test_analysis_errors_do_not_count(static_report):
    static_report["findings"] = [f for f in static_report["findings"] if f["severity"] == "error"]
    assert static_report["findings"]
    assert gate_exit_code(static_report, fail_on="warning") == 0


def test_baselined_findings_do_not_count(static_report):
    for finding in static_report["findings"]:
        if finding["severity"] == "violation":
            finding["baselined"] = True
    assert gate_exit_code(static_report) == 0
    static_report["findings"][0]["baselined"] = False
    assert gate_exit_code(static_report) == 1


def test_runtime_violations_count(runtime_report):
    merged = merge_reports([runtime_report])
    assert gate_count(merged) == 2  # ReportView.get and run_billing over a minute
    assert gate_count(merged, "warning") == 4


@pytest.mark.parametrize("kwargs", [{"fail_on": "never"}, {"fail_on": "Violation"}, {"max_violations": -1}])
def test_bad_settings_are_refused_not_ignored(static_report, kwargs):
    with pytest.raises(ValueError):
        gate_exit_code(static_report, **kwargs)

"""The Markdown compliance report: practice identity, verdict, inventory, config, escaping."""
from __future__ import annotations

import re

from greenit_async_lint.reporting import render
from greenit_async_lint.reporting.markdown_report import md_code, md_message, md_text
from greenit_async_lint.reporting.merge import merge_reports


def test_states_the_practice_with_all_its_identifiers(static_report):
    text = render(static_report, "markdown")
    for needle in ("GreenIT 112", "RWEB V2 no. 8", "RWEB V3 no. 8", "RWEB V4 and later no. 7",
                   "2. Design", "Network", "priority 4", "ease of implementation 3", "ecological impact 4",
                   "RAM, Network, Requests",
                   "synchronous processings that take more than one minute: at most 0"):
        assert needle in text, needle


def test_measured_count_and_verdict(static_report, clean_report):
    text = render(static_report, "markdown")
    assert text.startswith("# GreenIT 112 compliance report: NOT COMPLIANT")
    assert "| Measured | **4** handler(s)" in text
    assert "**CI gate FAILED:** 5 non-baselined violations counted, at most 0 allowed." in text
    clean = render(clean_report, "markdown")
    assert clean.startswith("# GreenIT 112 compliance report: COMPLIANT")
    assert "| Measured | **0** handler(s)" in clean and "CI gate passed" in clean


def test_warnings_alone_are_compliant_but_can_fail_the_gate(static_report):
    static_report["findings"] = [f for f in static_report["findings"] if f["severity"] == "warning"]
    static_report["config"]["fail_on"] = "warning"
    text = render(static_report, "markdown")
    assert "report: COMPLIANT" in text
    assert "**CI gate FAILED:** 2 non-baselined violations and warnings counted" in text


def test_baselined_violations_still_count_for_compliance(static_report):
    for finding in static_report["findings"]:
        finding["baselined"] = True
    text = render(static_report, "markdown")
    assert "NOT COMPLIANT" in text and "(of which 4 accepted in the baseline)" in text
    assert "CI gate passed" in text


def test_inventory_lists_every_handler_with_framework_route_evidence_and_remedy(static_report):
    text = render(static_report, "markdown")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "<br>`" in line]
    assert len(rows) == len(static_report["handlers"])
    report_view = next(r for r in rows if "`ReportView.get`" in r)
    assert "| django | `/reports/<int:pk>/` |" in report_view
    assert "GAL101: `build_report` → `convert_to_pdf` → `subprocess.run`" in report_view
    assert "Queue the conversion as a job" in report_view
    assert "| **heavy** |" in report_view


def test_totals_per_framework_and_verdict(static_report):
    text = render(static_report, "markdown")
    assert "| django | 2 | 0 | 0 | 2 |" in text
    assert "| fastapi | 1 | 1 | 1 | 3 |" in text
    assert "| **all** | **4** | **2** | **2** | **8** |" in text


def test_runtime_duration_is_evidence(static_report, runtime_report):
    text = render(merge_reports([static_report, runtime_report]), "markdown")
    assert "runtime: 3 flagged requests, longest wait 71.2 s" in text
    assert "`run_billing`" in text


def test_configuration_tool_version_and_date_for_reproduction(static_report, tmp_path):
    text = render(static_report, "markdown")
    assert "| ignore | `GAL112` |" in text
    assert "| max\\_violations | `0` |" in text
    assert "| fail\\_on | `violation` |" in text
    assert text.rstrip().endswith("Produced by greenit-async-lint 0.1.0 on 2026-11-29T14:00:00+00:00.")
    assert "## Files that could not be analysed" in text and "legacy/broken.py" in text


def test_stale_baseline_entries_are_listed(static_report):
    static_report["baseline"] = {"path": "gal-baseline.json", "entries": 3, "matched": 2, "stale": [
        {"code": "GAL107", "handler": "old/views.py::backup", "message": "`pg_dump` runs", "fingerprint": "abc123"}]}
    text = render(static_report, "markdown")
    assert "## Stale baseline entries" in text
    assert "GAL107 in `old/views.py::backup`" in text
    assert "| baseline applied | gal-baseline.json: 0 of 3 entries matched, 1 stale |" in text


def test_escaping_keeps_tables_intact_and_markup_inert(hostile_report):
    text = render(hostile_report, "markdown")
    # Inside code spans markup is literal text; everywhere else it must have been neutralised.
    outside_code = re.sub(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", "", text)
    assert "<script>alert" in text  # the hostile values are there ...
    for markup in ("<script", "<img", "<b>", "</code>"):
        assert markup not in outside_code, markup  # ... but only as code
    header = "| Verdict | Handler | Framework | Route | Evidence | Remedy |"
    columns = header.count("|")
    for line in text.split(header, 1)[1].split("\n\n", 1)[0].strip().splitlines():
        unescaped_pipes = len(re.findall(r"(?<!\\)\|", line))
        assert unescaped_pipes == columns, line


def test_escape_helpers():
    assert md_text("a|b *c* <x>") == "a\\|b \\*c\\* &lt;x&gt;"
    assert md_code("a`b") == "``a`b``"
    assert md_code("`x`") == "`` `x` ``"
    assert md_code("a|b") == "`a\\|b`" and md_code("a|b", table=False) == "`a|b`"
    assert md_message("`time.sleep` holds <it>") == "`time.sleep` holds &lt;it&gt;"
    assert md_message("odd ` count") == "odd \\` count"


def test_runtime_totals_give_the_measured_denominator(static_report, runtime_report):
    merged = merge_reports([static_report, runtime_report])
    assert merged["summary"]["requests"] == 1182
    line = "| Runtime measurement | 1182 request(s) measured on 4 route(s); 4 waited more than one minute"
    assert line in render(merged, "markdown")  # from the histogram buckets above 60 s
    for route in merged["routes"]:
        route["violations"] = 1  # the hook's own count wins over the histogram
    assert "; 4 waited" in render(merged, "markdown")
    merged["routes"][0]["violations"] = 5
    assert "; 8 waited" in render(merged, "markdown")
    assert "Runtime measurement" not in render(static_report, "markdown")

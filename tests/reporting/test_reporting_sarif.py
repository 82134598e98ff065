"""SARIF output: valid against the official 2.1.0 schema, with rules, chains as code flows, fixes."""
from __future__ import annotations

import json

import jsonschema
import pytest

from greenit_async_lint.reporting import render
from greenit_async_lint.reporting.baseline import fingerprint
from greenit_async_lint.reporting.diffs import parse_unified_diff
from greenit_async_lint.reporting.merge import merge_reports


def sarif(report):
    return json.loads(render(report, "sarif"))


def assert_valid(log, schema):
    validator = jsonschema.Draft4Validator(schema)
    errors = sorted(validator.iter_errors(log), key=lambda err: list(err.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def test_schema_is_the_official_one(sarif_schema):
    assert sarif_schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert "threadFlowLocation" in sarif_schema["definitions"]


def test_schema_rejects_a_broken_log(sarif_schema, static_report):
    """Guards the validation itself: a log with a bad level must fail."""
    log = sarif(static_report)
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(AssertionError):
        assert_valid(log, sarif_schema)


def test_static_report_is_valid_sarif(static_report, sarif_schema):
    assert_valid(sarif(static_report), sarif_schema)


def test_merged_baselined_and_hostile_reports_are_valid_sarif(static_report, runtime_report, hostile_report, sarif_schema, tmp_path):
    from greenit_async_lint.reporting.baseline import apply_baseline, write_baseline

    write_baseline(static_report, tmp_path / "b.json")
    merged = merge_reports([static_report, runtime_report])
    apply_baseline(merged, tmp_path / "b.json")
    assert_valid(sarif(merged), sarif_schema)
    assert_valid(sarif(hostile_report), sarif_schema)
    assert_valid(sarif({"version": 1, "findings": []}), sarif_schema)


def test_rules_carry_help_text_and_uri(static_report):
    rules = {r["id"]: r for r in sarif(static_report)["runs"][0]["tool"]["driver"]["rules"]}
    assert set(rules) == set(static_report["rules"])
    rule = rules["GAL101"]
    assert rule["name"] == "document-conversion-in-request"
    assert rule["helpUri"] == static_report["rules"]["GAL101"]["help_uri"]
    assert "Queue the conversion as a job" in rule["help"]["text"]
    assert "GreenIT best practice 112" in rule["help"]["markdown"]


def test_one_result_per_finding_with_location_and_level(static_report):
    run = sarif(static_report)["runs"][0]
    results = run["results"]
    assert len(results) == len(static_report["findings"])
    levels = {r["ruleId"] + str(r["locations"][0]["physicalLocation"]["region"]["startLine"]): r["level"] for r in results}
    assert levels["GAL10118"] == "error"  # violation
    assert levels["GAL10637"] == "warning"  # warning
    assert levels["GAL9013"] == "note"  # analysis error
    first = results[0]
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/reports/views.py"
    assert first["locations"][0]["physicalLocation"]["region"] == {"startLine": 18, "startColumn": 15}
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    assert first["partialFingerprints"]["greenitAsyncLint/v1"] == fingerprint(static_report["findings"][0])


def test_call_chain_is_a_code_flow_from_handler_to_offending_call(static_report):
    result = sarif(static_report)["runs"][0]["results"][0]
    steps = result["codeFlows"][0]["threadFlows"][0]["locations"]
    uris = [(s["location"]["physicalLocation"]["artifactLocation"]["uri"],
             s["location"]["physicalLocation"]["region"]["startLine"]) for s in steps]
    assert uris == [("app/reports/views.py", 12), ("app/reports/views.py", 18),
                    ("app/reports/services.py", 40), ("app/reports/convert.py", 11)]
    assert steps[-1]["location"]["message"]["text"] == "calls subprocess.run"
    assert [s["executionOrder"] for s in steps] == [1, 2, 3, 4]
    assert result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 12
    error = [r for r in sarif(static_report)["runs"][0]["results"] if r["ruleId"] == "GAL901"][0]
    assert "codeFlows" not in error


def test_fix_only_where_a_diff_exists_and_it_replaces_the_right_lines(static_report):
    results = sarif(static_report)["runs"][0]["results"]
    with_fix = [r for r in results if "fixes" in r]
    assert len(with_fix) == 1 and with_fix[0]["ruleId"] == "GAL101"
    change = with_fix[0]["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "app/reports/views.py"
    insert, replace = change["replacements"]
    assert insert["deletedRegion"] == {"startLine": 1, "startColumn": 1, "endLine": 4, "endColumn": 1}
    assert insert["insertedContent"]["text"].startswith("from app.reports.tasks import build_report_task\n")
    assert replace["deletedRegion"]["startLine"] == 16 and replace["deletedRegion"]["endLine"] == 20
    assert "build_report_task.delay(report.pk)" in replace["insertedContent"]["text"]
    assert "pdf = build_report(report)" not in replace["insertedContent"]["text"]
    assert "unsafe" in with_fix[0]["fixes"][0]["description"]["text"]


def test_applying_the_sarif_fix_gives_the_diff_result():
    old = [f"line {i}" for i in range(1, 8)]
    diff = "--- a/m.py\n+++ b/m.py\n@@ -0,0 +1 @@\n+import x\n@@ -3,2 +4,3 @@\n line 3\n-line 4\n+new 4\n+new 4b\n"
    (file_diff,) = parse_unified_diff(diff)
    lines = list(old)
    for hunk in reversed(file_diff.hunks):  # apply bottom-up so earlier regions stay valid
        region = hunk.deleted_region()
        start, end = region["startLine"] - 1, region["endLine"] - 1
        lines[start:end] = hunk.inserted_text().splitlines()
    assert lines == ["import x", "line 1", "line 2", "line 3", "new 4", "new 4b", "line 5", "line 6", "line 7"]


def test_unparseable_diff_leaves_the_fix_out(static_report, sarif_schema):
    static_report["findings"][0]["fix"]["diff"] = "this is not a diff\n@@ nonsense"
    log = sarif(static_report)
    assert not any("fixes" in r for r in log["runs"][0]["results"])
    assert_valid(log, sarif_schema)


def test_baselined_findings_are_suppressed_not_dropped(static_report):
    static_report["findings"][1]["baselined"] = True
    results = sarif(static_report)["runs"][0]["results"]
    assert len(results) == len(static_report["findings"])
    assert results[1]["suppressions"][0]["kind"] == "external"
    assert "suppressions" not in results[0]


def test_analysis_errors_are_tool_notifications_too(static_report):
    notes = sarif(static_report)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["associatedRule"]["id"] for n in notes] == ["GAL901"]


def test_runtime_measurements_travel_in_properties(static_report, runtime_report):
    results = sarif(merge_reports([static_report, runtime_report]))["runs"][0]["results"]
    runtime = [r for r in results if r["properties"]["source"] == "runtime"]
    assert {r["ruleId"] for r in runtime} == {"GAL301", "GAL302", "GAL303"}
    billing = [r for r in runtime if "run_billing" in r["message"]["text"]][0]
    assert billing["properties"]["runtime"]["max_wait_s"] == 95.0


def test_the_same_call_twice_gets_two_distinct_fingerprints(static_report):
    import copy

    twin = copy.deepcopy(static_report["findings"][0])
    twin["line"] += 2
    static_report["findings"].append(twin)
    prints = [r["partialFingerprints"]["greenitAsyncLint/v1"] for r in sarif(static_report)["runs"][0]["results"]]
    assert len(set(prints)) == len(prints)
    assert prints[0] == fingerprint(static_report["findings"][0])  # the first keeps the baseline value

"""Merging reports from shards, services and the runtime hook, without double counting."""
from __future__ import annotations

import copy

import pytest

from greenit_async_lint.reporting.baseline import fingerprint
from greenit_async_lint.reporting.compliance import overview
from greenit_async_lint.reporting.merge import merge_reports
from greenit_async_lint.reporting.validate import ReportError


def shard(report, prefixes, files):
    """The part of a report that a CI shard analysing `prefixes` would produce."""
    part = copy.deepcopy(report)
    part["handlers"] = [h for h in part["handlers"] if h["path"].startswith(prefixes)]
    part["findings"] = [f for f in part["findings"] if f["path"].startswith(prefixes)]
    part["summary"]["files"] = files
    return part


def counts(report):
    s = report["summary"]
    return s["handlers"], s["violations"], s["warnings"], s["errors"]


def test_shards_merge_back_into_the_whole(static_report):
    a = shard(static_report, ("app/", "api/"), 6)
    b = shard(static_report, ("web/", "shop/", "legacy/"), 8)
    merged = merge_reports([a, b])
    assert counts(merged) == (8, 5, 2, 1)
    assert merged["summary"]["files"] == 14
    assert sorted(map(fingerprint, merged["findings"])) == sorted(map(fingerprint, static_report["findings"]))


def test_the_same_report_twice_counts_once(static_report):
    merged = merge_reports([static_report, copy.deepcopy(static_report)])
    assert counts(merged) == (8, 5, 2, 1)
    assert merged["summary"]["files"] == 14


def test_overlapping_shards_do_not_add_copies(static_report):
    a = shard(static_report, ("app/", "api/", "web/"), 9)
    b = shard(static_report, ("web/", "shop/", "legacy/"), 8)
    b["generated_at"] = "2026-11-29T14:05:00+00:00"
    merged = merge_reports([a, b])
    assert counts(merged) == (8, 5, 2, 1)
    assert merged["generated_at"] == "2026-11-29T14:05:00+00:00"


def test_the_same_call_twice_in_one_handler_stays_twice(static_report):
    twin = copy.deepcopy(static_report["findings"][0])
    twin["line"] += 2
    static_report["findings"].append(twin)
    other = copy.deepcopy(static_report)
    other["generated_at"] = "2026-11-30T00:00:00+00:00"
    merged = merge_reports([static_report, other])
    assert merged["summary"]["violations"] == 6


def test_runtime_findings_join_their_handler(static_report, runtime_report):
    merged = merge_reports([static_report, runtime_report])
    handlers = {(h["path"], h["qualname"]): h for h in merged["handlers"]}
    view = handlers[("app/reports/views.py", "ReportView.get")]
    assert view["runtime"] == {"count": 3, "max_wait_s": 71.2, "severity": "violation"}
    assert view["framework"] == "django" and view["verdict"] == "heavy"
    rates = handlers[("api/main.py", "rates")]
    assert rates["runtime"]["severity"] == "warning"
    stall = handlers[("api/main.py", "upload_video")]
    assert stall["runtime"] == {"count": 5, "max_wait_s": 0.8, "severity": "warning"}
    billing = handlers[("billing/views.py", "run_billing")]  # only seen at run time
    assert billing["verdict"] == "heavy" and billing["route"] == "/billing/run"
    assert len(handlers) == 9
    runtime = [f for f in merged["findings"] if f["source"] == "runtime"]
    assert len(runtime) == 4 and merged["kind"] == "merged"
    assert merged["summary"]["violations"] == 5 + 2 and merged["summary"]["warnings"] == 2 + 2
    assert {"GAL301", "GAL302", "GAL303"} <= set(merged["rules"])
    assert overview(merged).measured == 5  # the four static heavy handlers + run_billing


def test_runtime_reports_from_several_machines_add_up(static_report, runtime_report):
    other = copy.deepcopy(runtime_report)
    other["generated_at"] = "2026-11-29T16:00:00+00:00"
    other["findings"][0]["count"] = 2
    other["findings"][0]["max_wait_s"] = 88.0
    merged = merge_reports([static_report, runtime_report, other])
    view = next(h for h in merged["handlers"] if h["qualname"] == "ReportView.get")
    assert view["runtime"] == {"count": 5, "max_wait_s": 88.0, "severity": "violation"}
    finding = next(f for f in merged["findings"] if f["source"] == "runtime" and f["handler"]["qualname"] == "ReportView.get")
    assert "keeps 5 request(s) waiting up to 88.0 s (over 60 s)" in finding["message"]
    route = next(r for r in merged["routes"] if r["route"] == "/reports/<int:pk>/")
    assert route["count"] == 480 and route["histogram"]["120"] == 6


def test_runtime_first_then_static_fills_the_handler(static_report, runtime_report):
    merged = merge_reports([runtime_report, static_report])
    view = next(h for h in merged["handlers"] if h["qualname"] == "ReportView.get")
    assert view["framework"] == "django" and view["is_async"] is False
    assert view["runtime"]["count"] == 3


def test_merging_a_merged_report_with_new_static_shards(static_report, runtime_report):
    first = merge_reports([static_report, runtime_report])
    again = merge_reports([first, shard(static_report, ("web/",), 3)])
    assert counts(again) == counts(first)


def test_unresolved_runtime_handler_keeps_its_measurement(runtime_report):
    runtime_report["findings"][3]["handler"] = None
    merged = merge_reports([runtime_report])
    finding = next(f for f in merged["findings"] if f["runtime"]["route"] == "/billing/run")
    assert finding["handler"]["qualname"] == "POST /billing/run"
    assert finding["severity"] == "violation"


def test_inputs_are_not_modified(static_report, runtime_report):
    before = copy.deepcopy((static_report, runtime_report))
    merge_reports([static_report, runtime_report])
    assert (static_report, runtime_report) == before


def test_config_keeps_every_path_and_provenance(static_report):
    other = copy.deepcopy(static_report)
    other["config"]["paths"] = ["services/billing"]
    other["generated_at"] = "2026-11-29T14:10:00+00:00"
    merged = merge_reports([static_report, other])
    assert merged["config"]["paths"] == [".", "services/billing"]
    assert [m["generated_at"] for m in merged["merged_from"]] == [static_report["generated_at"], other["generated_at"]]


def test_stale_entries_matched_in_another_shard_are_not_stale(static_report):
    a = shard(static_report, ("app/",), 3)
    b = shard(static_report, ("web/",), 3)
    entry = {"fingerprint": fingerprint(b["findings"][0]), "code": "GAL101"}
    gone = {"fingerprint": "0" * 32, "code": "GAL107"}
    a["baseline"] = {"path": "b.json", "entries": 2, "matched": 0, "stale": [entry, gone]}
    b["findings"][0]["baselined"] = True
    b["baseline"] = {"path": "b.json", "entries": 2, "matched": 1, "stale": [gone]}
    merged = merge_reports([a, b])
    assert merged["baseline"]["stale"] == [gone]
    assert merged["summary"]["baselined"] == 1


@pytest.mark.parametrize("bad, reason", [
    ([], "at least one"),
    (["not a dict"], "JSON object"),
    ([{"version": 2}], "unsupported report version"),
    ([{"version": 1, "kind": "other"}], "unknown report kind"),
    ([{"version": 1, "findings": {}}], "'findings' must be a list"),
    ([{"version": 1, "findings": [{"code": "GAL101", "severity": "fatal"}]}], "severity 'fatal'"),
    ([{"version": 1, "findings": [{"severity": "violation"}]}], "missing finding 'code'"),
])
def test_invalid_input_is_refused_with_a_reason(bad, reason):
    with pytest.raises(ValueError, match=reason):
        merge_reports(bad)
    if bad:
        with pytest.raises(ReportError):
            merge_reports(bad)

"""GitLab code quality report: the fields GitLab reads, stable and unique fingerprints."""
from __future__ import annotations

import copy
import json

from greenit_async_lint.reporting import render


def issues(report):
    return json.loads(render(report, "gitlab"))


def test_every_issue_has_the_fields_gitlab_reads(static_report):
    found = issues(static_report)
    assert len(found) == len(static_report["findings"])
    for issue in found:
        assert isinstance(issue["description"], str) and issue["description"]
        assert issue["check_name"].startswith("GAL")
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["path"], str)
        assert isinstance(issue["location"]["lines"]["begin"], int)
    first = found[0]
    assert first["check_name"] == "GAL101 document-conversion-in-request"
    assert first["severity"] == "critical"
    assert first["location"] == {"path": "app/reports/views.py", "lines": {"begin": 18}}
    assert {i["severity"] for i in found if i["check_name"].startswith("GAL106")} == {"minor"}


def test_fingerprints_are_unique_even_for_the_same_call_twice(static_report):
    twin = copy.deepcopy(static_report["findings"][0])
    twin["line"] += 3
    static_report["findings"].append(twin)
    prints = [i["fingerprint"] for i in issues(static_report)]
    assert len(prints) == len(set(prints))


def test_fingerprints_survive_line_moves(static_report):
    before = [i["fingerprint"] for i in issues(static_report)]
    for finding in static_report["findings"]:
        finding["line"] += 10
        for step in finding["chain"]:
            step["line"] += 10
        if finding["handler"]:
            finding["handler"]["line"] += 10
    assert [i["fingerprint"] for i in issues(static_report)] == before


def test_baselined_findings_are_left_out(static_report):
    static_report["findings"][0]["baselined"] = True
    assert len(issues(static_report)) == len(static_report["findings"]) - 1

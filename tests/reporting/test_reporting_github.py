"""GitHub workflow-command annotations, properly escaped."""
from __future__ import annotations

import re

from greenit_async_lint.reporting import render
from greenit_async_lint.reporting.github import escape_data, escape_property

COMMAND = re.compile(r"^::(error|warning|notice) (?P<props>[^:]*)::(?P<data>.*)$")


def parse(text):
    out = []
    for line in text.splitlines():
        match = COMMAND.match(line)
        assert match, f"not a workflow command: {line!r}"
        props = dict(p.split("=", 1) for p in match["props"].split(",")) if match["props"] else {}
        out.append((match[1], props, match["data"]))
    return out


def unescape(value):
    return value.replace("%0A", "\n").replace("%0D", "\r").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def test_one_annotation_per_finding_with_position_and_title(static_report):
    commands = parse(render(static_report, "github"))
    annotations = [c for c in commands if "file" in c[1]]
    assert len(annotations) == len(static_report["findings"])
    kind, props, data = annotations[0]
    assert kind == "error"
    assert props == {"file": "app/reports/views.py", "line": "18", "col": "15",
                     "title": "GAL101 document-conversion-in-request"}
    assert "build_report -> convert_to_pdf -> subprocess.run" in data
    assert [c[0] for c in annotations].count("warning") == 2


def test_escaping_follows_the_runner_rules():
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a,b:c%") == "a%2Cb%3Ac%25"


def test_hostile_values_cannot_break_out_of_the_command(hostile_report):
    text = render(hostile_report, "github")
    commands = parse(text)  # every line is still one well-formed command
    assert not any(line.startswith("::error::injected") for line in text.splitlines())
    first = [c for c in commands if "file" in c[1]][0]
    assert unescape(first[1]["file"]) == "app/we,ird:path%.py"
    assert "a,b:c %25 ::error::injected <img" in unescape(first[2])  # same text, one line


def test_baselined_findings_are_not_annotated_and_stale_entries_are(static_report):
    static_report["findings"][0]["baselined"] = True
    static_report["baseline"] = {"path": "b.json", "entries": 2, "matched": 1,
                                 "stale": [{"code": "GAL104", "handler": "old.py::gone", "fingerprint": "f"}]}
    commands = parse(render(static_report, "github"))
    files = [c[1].get("file") for c in commands]
    assert files.count("app/reports/views.py") == 1  # GAL104 left, GAL101 baselined
    notices = [c for c in commands if c[0] == "notice"]
    assert any("1 finding(s) accepted in the baseline" in c[2] for c in notices)
    assert any("old.py::gone" in c[2] for c in notices)

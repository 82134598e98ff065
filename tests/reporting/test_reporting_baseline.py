"""Baselines: fingerprints that survive edits, one-to-one matching, stale entries, bad files."""
from __future__ import annotations

import copy
import os
import json

import pytest

from greenit_async_lint.reporting import render
from greenit_async_lint.reporting.baseline import (
    BaselineError, apply_baseline, fingerprint, write_baseline,
)
from greenit_async_lint.reporting.gate import gate_exit_code


def moved(finding, lines=7):
    finding = copy.deepcopy(finding)
    finding["line"] += lines
    finding["column"] += 4
    finding["message"] = "reworded: " + finding["message"]
    finding["handler"]["line"] += lines
    for step in finding["chain"]:
        step["line"] += lines
    return finding


def test_fingerprint_ignores_lines_columns_and_messages(static_report):
    finding = static_report["findings"][0]
    assert fingerprint(moved(finding)) == fingerprint(finding)
    with_args = copy.deepcopy(finding)
    with_args["chain"][0]["call"] = " build_report (report) "
    assert fingerprint(with_args) == fingerprint(finding)
    windows = copy.deepcopy(finding)
    windows["handler"]["path"] = ".\\app\\reports\\views.py"
    assert fingerprint(windows) == fingerprint(finding)


@pytest.mark.parametrize("change", ["code", "qualname", "path", "call"])
def test_fingerprint_changes_with_what_the_finding_is(static_report, change):
    finding = static_report["findings"][0]
    other = copy.deepcopy(finding)
    if change == "code":
        other["code"] = "GAL107"
    elif change == "qualname":
        other["handler"]["qualname"] = "ReportView.post"
    elif change == "path":
        other["handler"]["path"] = "app/other.py"
    else:
        other["chain"][1]["call"] = "convert_to_docx"
    assert fingerprint(other) != fingerprint(finding)


def test_errors_without_handler_have_a_fingerprint(static_report):
    error = static_report["findings"][-1]
    assert error["handler"] is None
    assert len(fingerprint(error)) == 32


def test_written_baseline_is_readable_and_sorted(static_report, tmp_path):
    path = tmp_path / "nested" / "gal-baseline.json"
    assert write_baseline(static_report, path) == len(static_report["findings"])
    document = json.loads(path.read_text())
    assert document["version"] == 1
    entry = next(e for e in document["entries"] if e["code"] == "GAL101" and "ReportView" in e["handler"])
    assert entry["handler"] == "app/reports/views.py::ReportView.get"
    assert entry["chain"] == ["build_report", "convert_to_pdf", "subprocess.run"]
    assert entry["message"].startswith("`subprocess.run` converts a document")
    keys = [(e["handler"] or "", e["path"], e["code"]) for e in document["entries"]]
    assert keys == sorted(keys)
    assert [p.name for p in path.parent.iterdir()] == ["gal-baseline.json"]  # no temporary file left


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_baseline_written_to_a_named_pipe_goes_into_it(static_report, tmp_path):
    """As a report does (writefile.py): `--write-baseline /dev/null` must not replace the device."""
    import stat
    import threading

    fifo = tmp_path / "baseline.pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    count = write_baseline(static_report, fifo)
    reader.join(30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode), "the named pipe was replaced by a file"
    assert got and len(json.loads(got[0])["entries"]) == count
    assert [p.name for p in tmp_path.iterdir()] == ["baseline.pipe"]


def test_applying_its_own_baseline_accepts_everything(static_report, tmp_path):
    write_baseline(static_report, tmp_path / "b.json")
    assert gate_exit_code(static_report) == 1
    stale = apply_baseline(static_report, tmp_path / "b.json")
    assert stale == []
    assert all(f["baselined"] for f in static_report["findings"])
    assert gate_exit_code(static_report) == 0
    assert static_report["baseline"]["matched"] == len(static_report["findings"])
    assert static_report["summary"]["baselined"] == len(static_report["findings"])


def test_baseline_survives_unrelated_edits_but_catches_new_findings(static_report, tmp_path):
    write_baseline(static_report, tmp_path / "b.json")
    later = copy.deepcopy(static_report)
    later["findings"] = [moved(f) if f["handler"] else f for f in later["findings"]]
    new = copy.deepcopy(static_report["findings"][0])
    new["code"] = "GAL107"
    later["findings"].append(new)
    apply_baseline(later, tmp_path / "b.json")
    assert [f["code"] for f in later["findings"] if not f["baselined"]] == ["GAL107"]
    assert gate_exit_code(later) == 1


def test_matching_is_one_to_one(static_report, tmp_path):
    write_baseline(static_report, tmp_path / "b.json")
    twin = moved(static_report["findings"][0], lines=2)  # the same call made a second time
    static_report["findings"].append(twin)
    apply_baseline(static_report, tmp_path / "b.json")
    assert sum(1 for f in static_report["findings"] if not f["baselined"]) == 1


def test_fixed_findings_become_stale_entries_listed_in_the_reports(static_report, tmp_path):
    write_baseline(static_report, tmp_path / "b.json")
    fixed = static_report["findings"].pop(1)  # GAL104 in export_archive
    stale = apply_baseline(static_report, tmp_path / "b.json")
    assert [(e["code"], e["handler"]) for e in stale] == [("GAL104", "app/reports/views.py::export_archive")]
    assert stale[0]["fingerprint"] == fingerprint(fixed)
    assert static_report["baseline"]["stale"] == stale
    assert "app/reports/views.py::export_archive" in render(static_report, "markdown").split("## Stale baseline entries")[1]
    assert 'id="stale"' in render(static_report, "html")


@pytest.mark.parametrize("content, reason", [
    ("{not json", "not valid JSON"),
    ('{"version": 2, "entries": []}', "not a version-1"),
    ('["a", "b"]', "not a version-1"),
    ('{"version": 1, "entries": {}}', "'entries' must be a list"),
    ('{"version": 1, "entries": [{"code": "GAL101"}]}', r"entries\[0\] has no 'fingerprint'"),
])
def test_malformed_baselines_raise_a_clear_value_error(static_report, tmp_path, content, reason):
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(BaselineError, match=reason) as info:
        apply_baseline(static_report, path)
    assert isinstance(info.value, ValueError)
    assert not any(f.get("baselined") for f in static_report["findings"])


def test_missing_baseline_file_is_a_baseline_error(static_report, tmp_path):
    with pytest.raises(BaselineError, match="cannot read baseline"):
        apply_baseline(static_report, tmp_path / "absent.json")


def test_reports_count_matches_even_from_a_trimmed_baseline_section(static_report, tmp_path):
    """The check command may keep only path and stale entries; counts come from the findings."""
    write_baseline(static_report, tmp_path / "b.json")
    static_report["findings"].pop(0)
    stale = apply_baseline(static_report, tmp_path / "b.json")
    static_report["baseline"] = {"path": "b.json", "stale": stale}
    text = render(static_report, "markdown")
    assert f"| baseline applied | b.json: {len(static_report['findings'])} entries matched, 1 stale |" in text

"""`runtime merge`: shards summed per route and finding; the CLI's exit codes; load_report."""
from __future__ import annotations

import json
import subprocess
import sys

from greenit_async_lint.runtime.cli import main
from greenit_async_lint.runtime.merge import load_report, merge_shards


def _shard(pid, count, wait, samples, leaf_line, outcome="completed"):
    return {
        "kind": "runtime", "version": 1, "shard": True, "tool": {"name": "greenit-async-lint", "version": "x"},
        "run": {"pid": pid, "server": "gunicorn", "frameworks": ["flask"],
                "thresholds": {"warn_s": 10, "violation_s": 60, "loop_warn_s": 1}},
        "routes": [{"route": "/r", "method": "GET", "count": count, "histogram": {"60": count - 1, "120": 1},
                    "max_wait_s": wait, "total_wait_s": wait, "warnings": 0, "violations": 1,
                    "long_streams": 0, "max_stream_s": 0.0, "statuses": {"2xx": count}}],
        "findings": [{"severity": "violation", "route": "/r", "method": "GET",
                      "handler": {"qualname": "view", "path": "app.py", "line": 3}, "count": 1,
                      "max_wait_s": wait, "kind": "sync-thread", "outcomes": {outcome: 1}, "cpu_share": 0.5,
                      "samples": samples, "leaf": {"path": "app.py", "line": leaf_line, "call": "time.sleep"},
                      "dominant_stack": [], "first_seen": f"2026-01-0{pid}T00:00:00Z",
                      "last_seen": f"2026-01-0{pid}T00:00:00Z"}],
        "self": {"internal_errors": 1, "dropped": {"samples": 2}},
    }


def _write(tmp_path, docs):
    directory = tmp_path / "shards"
    directory.mkdir()
    for i, doc in enumerate(docs):
        (directory / f"h-{i}-0.json").write_text(json.dumps(doc))
    return directory


def test_merge_sums_routes_and_findings_and_keeps_the_best_sampled_leaf(tmp_path):
    directory = _write(tmp_path, [_shard(1, 5, 61.0, 2, 10), _shard(2, 3, 90.0, 9, 20, "server_killed")])
    report = merge_shards([directory])
    assert report["kind"] == "runtime" and report["version"] == 1 and report["tool"]["name"] == "greenit-async-lint"
    (route,) = report["routes"]
    assert route["count"] == 8 and route["max_wait_s"] == 90.0 and route["histogram"] == {"60": 6, "120": 2}
    (finding,) = report["findings"]
    assert finding["count"] == 2 and finding["max_wait_s"] == 90.0 and finding["samples"] == 11
    assert finding["leaf"]["line"] == 20  # from the shard with more samples
    assert finding["outcomes"] == {"completed": 1, "server_killed": 1}
    assert finding["first_seen"].startswith("2026-01-01") and finding["last_seen"].startswith("2026-01-02")
    assert report["summary"]["text"] == "2 of 8 requests waited 60 s or more"
    assert report["self"]["internal_errors"] == 2 and report["self"]["dropped"] == {"samples": 4}


def test_merged_report_next_to_shards_is_not_counted_twice_and_bad_files_are_skipped(tmp_path):
    directory = _write(tmp_path, [_shard(1, 5, 61.0, 2, 10)])
    (directory / "report.json").write_text(json.dumps(merge_shards([directory])))
    (directory / "junk.json").write_text("{not json")
    report = merge_shards([directory])
    assert report["summary"]["requests"] == 5
    assert [s["path"] for s in report["run"]["skipped"]] == ["junk.json"]


def test_load_report_reads_a_directory_a_shard_or_a_merged_file(tmp_path):
    directory = _write(tmp_path, [_shard(1, 5, 61.0, 2, 10), _shard(2, 3, 61.0, 2, 10)])
    merged = tmp_path / "merged.json"
    assert main(["merge", str(directory), "--output", str(merged)]) == 0
    assert load_report(str(directory))["summary"]["requests"] == 8
    assert load_report(str(merged))["summary"]["requests"] == 8
    assert load_report(str(directory / "h-0-0.json"))["summary"]["requests"] == 5


def test_cli_exit_codes_and_messages(tmp_path, capsys):
    assert main(["merge", str(tmp_path / "missing")]) == 2
    assert "no such directory" in capsys.readouterr().err
    assert main([]) == 2
    assert main(["merge"]) == 2
    assert main(["merge", str(tmp_path)]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["summary"]["requests"] == 0 and "no shards" in out.err


def test_cli_runs_as_a_module(tmp_path):
    directory = _write(tmp_path, [_shard(1, 5, 61.0, 2, 10)])
    done = subprocess.run([sys.executable, "-m", "greenit_async_lint.runtime.cli", "merge", str(directory)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and json.loads(done.stdout)["findings"][0]["route"] == "/r"


def test_check_wording_quotes_the_runtime_reports_own_thresholds():
    from greenit_async_lint.reporting.runtime_findings import to_finding
    from greenit_async_lint.runtime.merge import _report

    found = {k: {"severity": sev, "route": "/r", "method": "GET", "count": 1, "max_wait_s": 3.8,
                 "handler": {"qualname": "view", "path": "app.py", "line": 3}}
             for k, sev in (("v", "violation"), ("w", "warning"))}
    report = _report({"thresholds": {"warn_s": 0.2, "violation_s": 0.5, "loop_warn_s": 0.2}}, {}, found, {}, {})
    messages = {f["severity"]: to_finding(f)["message"] for f in report["findings"]}
    assert "up to 3.8 s (over 0.5 s)" in messages["violation"] and "60 s" not in messages["violation"]
    assert "up to 3.8 s (over 0.2 s)" in messages["warning"]

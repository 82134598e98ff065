"""The primer's scoring (eval/scoring.py) on a tiny synthetic application checked for real."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "eval"))
from scoring import Score, diff, score  # noqa: E402

APP = '''\
import subprocess
from flask import Flask, request

app = Flask(__name__)


@app.route("/convert", methods=["POST"])
def convert():
    for f in request.files.getlist("docs"):
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", f.filename])
    return "ok"


@app.route("/hello")
def hello():
    return "hello"


@app.route("/ping")
def ping():
    return "pong"
'''


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("synthetic")
    (root / "app.py").write_text(APP, "utf-8")
    done = subprocess.run([sys.executable, "-m", "greenit_async_lint", "check", ".", "--format", "json",
                           "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120)
    return json.loads(done.stdout)


def _label(qualname: str, verdict: str, also: list[str] | None = None) -> dict:
    return {"path": "app.py", "line": 1, "qualname": qualname, "verdict": verdict,
            "also_acceptable": also or [], "note": ""}


def test_labels_score_recall_precision_and_accuracy(report):
    labels = [_label("convert", "heavy"), _label("hello", "clean"), _label("ping", "blocking"),
              _label("missing_view", "heavy")]
    s = score(report, labels, [], [])
    assert (s.labelled, s.found) == (4, 3)
    assert s.missing == ["app.py:1 missing_view"]
    # convert flagged and heavy; ping labelled blocking but clean in the report; missing_view absent.
    assert (s.flag_tp, s.flag_fn, s.flag_fp) == (1, 2, 0)
    assert (s.heavy_tp, s.heavy_fn, s.heavy_fp) == (1, 1, 0)
    assert s.verdict_exact == 2
    figures = s.figures
    assert figures["handler recall"] == pytest.approx(0.75)
    assert figures["flag precision"] == 1.0
    assert figures["flag recall"] == pytest.approx(1 / 3)


def test_a_flagged_clean_label_is_a_false_positive_unless_acceptable(report):
    assert score(report, [_label("convert", "clean")], [], []).flag_fp == 1
    ok = score(report, [_label("convert", "clean", ["heavy"])], [], [])
    assert (ok.flag_fp, ok.heavy_fp, ok.verdict_ok, ok.verdict_exact) == (0, 0, 1, 0)


def test_judged_findings_count_only_when_still_reported(report):
    finding = next(f for f in report["findings"] if f["handler"]["qualname"] == "convert")
    base = {"handler": {"path": "app.py", "qualname": "convert"}, "code": finding["code"],
            "call_path": finding["path"], "call_line": finding["line"]}
    judged = [dict(base, judgment="TRUE"), dict(base, judgment="FALSE", call_line=999),
              dict(base, judgment="DEBATABLE"), dict(base, code="GAL901", judgment="FALSE")]
    s = score(report, [], judged, [])
    assert (s.judged_true, s.judged_false, s.judged_debatable, s.judged_absent) == (1, 0, 1, 1)
    assert s.figures["finding precision"] == 1.0


def test_route_coverage_matches_class_views_by_prefix(report):
    s = score(report, [], [], [("app.py", "hello"), ("app.py", "convert"), ("other.py", "index")])
    assert (s.routes_true, s.routes_found) == (3, 2)


def test_route_coverage_reads_nested_functions_by_their_python_qualname():
    report = {"handlers": [{"path": "app.py", "qualname": "create_app.login"}]}
    s = score(report, [], [], [("app.py", "create_app.<locals>.login"), ("app.py", "create_app.<locals>.other")])
    assert (s.routes_true, s.routes_found) == (2, 1)


def test_totals_add_up():
    a, b = Score(labelled=2, found=1, missing=["x"]), Score(labelled=3, found=3)
    a.add(b)
    assert (a.labelled, a.found, a.missing) == (5, 4, ["x"])


def test_diff_lists_added_removed_findings_and_changed_verdicts(report):
    before = {"handlers": [dict(h, verdict="clean") for h in report["handlers"]], "findings": []}
    change = diff(before, report)
    assert change["removed"] == []
    assert change["added"] and all("convert" in line for line in change["added"])
    assert change["verdicts"] == ["app.py::convert: clean -> heavy"]


def test_wrong_verdicts_and_false_findings_are_listed_for_the_reader(report):
    labels = [_label("convert", "heavy"), _label("hello", "clean"), _label("ping", "blocking"),
              _label("convert", "clean")]
    finding = next(f for f in report["findings"] if f["handler"]["qualname"] == "convert")
    judged = [{"handler": {"path": "app.py", "qualname": "convert"}, "code": finding["code"],
               "call_path": finding["path"], "call_line": finding["line"], "judgment": "FALSE",
               "category": "trivial cost", "reason": "one small file"}]
    s = score(report, labels, judged, [])
    kinds = [line.split(" ", 1)[0] for line in s.wrong]
    assert kinds == ["FN", "FP"]  # ping missed; convert flagged against a clean label; hello right
    assert "app.py:1 ping (label blocking, reported clean)" in s.wrong[0]
    assert s.false_findings == [f"{finding['code']} {finding['path']}:{finding['line']} (handler app.py::convert, "
                                "trivial cost): one small file"]


def test_a_judgment_applies_only_to_the_call_it_judged(report):
    finding = next(f for f in report["findings"] if f["handler"]["qualname"] == "convert")
    base = {"handler": {"path": "app.py", "qualname": "convert"}, "code": finding["code"],
            "call_path": finding["path"], "call_line": finding["line"], "judgment": "FALSE"}
    same = dict(base, message=finding["message"])
    other = dict(base, message="`socket.getaddrinfo` resolves a host name in the request path")
    assert score(report, [], [same], []).judged_false == 1
    moved = score(report, [], [other], [])  # the site now reports another call: not this judgment's
    assert (moved.judged_false, moved.judged_absent) == (0, 1)

"""attach_fixes: every finding of every fixture app gets a remedy that fits practice 112, the
project's task queue and its framework; the JSON and text outputs carry it."""
from __future__ import annotations

from pathlib import Path

import pytest

from greenit_async_lint import output
from greenit_async_lint.fix import attach_fixes
from greenit_async_lint.reporting.diffs import parse_unified_diff

from fixtools import FIXTURES, analyse, copy_project

APPS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
KEYS = {"pattern", "safety", "title", "description", "diff"}


@pytest.fixture(scope="module")
def reports():
    out = {}
    for app in APPS:
        report = analyse(app)
        attach_fixes(report, cwd=app)
        out[app.name] = report
    return out


def _all(reports):
    return [(name, f) for name, report in reports.items() for f in report.findings]


def test_every_finding_gets_a_complete_fix(reports):
    findings = _all(reports)
    assert len(findings) > 50
    for _, f in findings:
        assert set(f.fix) == KEYS
        assert f.fix["safety"] in ("safe", "unsafe")
        assert f.fix["title"] and f.fix["description"] and f.fix["pattern"]
        assert "{" not in f.fix["title"] + f.fix["pattern"], f.fix  # every placeholder filled
        assert f.fix["diff"] is None  # diffs only when asked for


def test_heavy_work_moves_to_the_projects_queue_with_202(reports):
    for name in ("django_reports", "flask_shop"):
        heavy = [f for f in reports[name].findings if f.weight == "heavy"
                 and f.code in ("GAL101", "GAL102", "GAL103", "GAL104", "GAL105", "GAL106", "GAL107")]
        assert heavy
        for f in heavy:
            assert f.fix["pattern"] == "celery-job-202", (name, f.code, f.fix["pattern"])
            assert f.fix["safety"] == "unsafe"
            assert "202" in f.fix["title"] and "Celery" in f.fix["title"]


def test_thread_wrappers_are_offered_only_for_bounded_work_on_an_event_loop(reports):
    for _, f in _all(reports):
        if f.fix["pattern"] == "asyncio-to-thread":
            assert f.handler.is_async and f.weight == "blocking", (f.code, f.handler.qualname)
            assert f.severity == "violation", "work the framework already runs in a thread needs no thread"
            assert "the user still waits" in f.fix["description"]


def test_a_sync_dependency_of_an_async_endpoint_is_not_sent_to_a_thread(reports):
    """FastAPI runs a `def` dependency in its thread pool: its bounded work is a warning, and the
    remedy is the timeout, not `asyncio.to_thread`."""
    owner = next(f for f in reports["fastapi_media"].findings if f.handler.qualname == "image_owner")
    assert owner.severity == "warning" and owner.handler.is_async
    assert owner.fix["pattern"] == "requests-timeout"


def test_background_tasks_are_offered_only_for_light_work_in_fastapi(reports):
    offered = [f for _, f in _all(reports) if "BackgroundTasks" in f.fix["title"] and
               f.fix["pattern"] == "fastapi-background-task"]
    assert offered
    for f in offered:
        assert f.handler.framework == "fastapi" and f.weight == "blocking"
    # Heavy work already in a background task is sent to a worker instead.
    gal205 = [f for _, f in _all(reports) if f.code == "GAL205"]
    assert gal205 and all(f.fix["pattern"].endswith("-job-202") for f in gal205)


def test_fastapi_def_endpoints_are_never_told_to_become_async(reports):
    for f in reports["fastapi_media"].findings:
        if f.handler is not None and not f.handler.is_async:
            text = f"{f.fix['title']} {f.fix['description']}"
            assert "async def" not in text.replace("must stay `def`: making it `async def`", ""), text


def test_a_project_without_queue_is_told_to_add_one(tmp_path):
    (tmp_path / "app.py").write_text(
        "import shutil\nfrom flask import Flask\napp = Flask(__name__)\n\n"
        "@app.get('/archive')\ndef archive():\n    return {'a': shutil.make_archive('/tmp/x', 'zip', '/srv')}\n")
    report = analyse(tmp_path)
    attach_fixes(report, cwd=tmp_path)
    (finding,) = report.findings
    assert finding.fix["pattern"] == "queue-job-202"
    assert "Celery, RQ, Dramatiq" in finding.fix["title"]
    # the family's wording (a handler named `export` would be worded as an export: test_fix_project_fit)
    assert "one archive for all files" in finding.fix["title"]


def test_the_detected_queue_shapes_the_remedy(tmp_path):
    (tmp_path / "requirements.txt").write_text("dramatiq\n")
    (tmp_path / "app.py").write_text(
        "import shutil\nfrom flask import Flask\napp = Flask(__name__)\n\n"
        "@app.get('/export')\ndef export():\n    return {'a': shutil.make_archive('/tmp/x', 'zip', '/srv')}\n")
    report = analyse(tmp_path)
    attach_fixes(report, cwd=tmp_path)
    assert report.findings[0].fix["pattern"] == "dramatiq-job-202"
    assert "`.send(...)`" in report.findings[0].fix["title"]


def test_json_output_carries_the_fix_and_text_output_its_title(reports):
    report = reports["docconvert"]
    data = output.to_dict(report)
    assert all(set(item["fix"]) == KEYS for item in data["findings"])
    text = output.text(data)
    for f in report.findings:
        assert f"    fix: {f.fix['title']}" in text


def test_diffs_are_unified_diffs_of_the_findings_own_fix(tmp_path):
    app = copy_project(FIXTURES / "fastapi_media", tmp_path / "app")
    report = analyse(app)
    attach_fixes(report, diffs=True, cwd=app)
    with_diff = [f for f in report.findings if f.fix["diff"]]
    assert len(with_diff) >= 5
    for f in with_diff:
        files = parse_unified_diff(f.fix["diff"])  # the SARIF renderer's parser accepts it
        assert files and all(h.new_lines or h.old_count for fd in files for h in fd.hunks)
    sleep = next(f for f in report.findings if f.code == "GAL108" and f.handler.is_async)
    assert "+            await asyncio.sleep(2 ** attempt)" in sleep.fix["diff"]
    assert sleep.fix["diff"].startswith("--- a/media/routers/videos.py\n+++ b/media/routers/videos.py\n")
    refused = next(f for f in report.findings if f.code == "GAL109" and f.line == 30)  # `with open(...)`
    assert refused.fix["diff"] is None
    assert "Not fixed automatically: the call is a context manager" in refused.fix["description"]


def test_attaching_fixes_without_diffs_does_not_import_libcst():
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from greenit_async_lint.config import Config; "
            "from greenit_async_lint.analysis.engine import analyse; from greenit_async_lint.fix import attach_fixes; "
            f"r = analyse(['.'], Config(cache=False), cwd=Path({str(FIXTURES / 'docconvert')!r})); "
            "attach_fixes(r); print('libcst' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=str(FIXTURES / "docconvert"))
    assert result.stdout.strip() == "False", result.stderr


def test_paths_are_resolved_against_the_reports_folder(monkeypatch, tmp_path):
    """attach_fixes(report) without cwd uses the current folder, like `check` does."""
    app = copy_project(FIXTURES / "fastapi_media", tmp_path / "app")
    monkeypatch.chdir(app)
    from greenit_async_lint.config import Config
    from greenit_async_lint.analysis.engine import analyse as engine_analyse

    report = engine_analyse(["."], Config(cache=False, jobs=1))
    attach_fixes(report, diffs=True)
    assert any(f.fix["diff"] for f in report.findings)
    assert Path.cwd() == app

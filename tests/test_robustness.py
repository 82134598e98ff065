"""The analyser never crashes: generated programs, whole installed packages, and removal of routes."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings

from greenit_async_lint.catalogue import default_catalogue
from greenit_async_lint.config import Config
from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.analysis.evaluate import Evaluator
from greenit_async_lint.analysis.handlers import HandlerFinder
from greenit_async_lint.analysis.project import Project
from greenit_async_lint.analysis.reach import Reach
from greenit_async_lint.analysis.summarize import summarize

CATALOGUE = default_catalogue()


def _analyse_module(source: str) -> None:
    module = summarize(source.encode("utf-8"), "generated.py", "generated", False)
    if not hasattr(module, "functions"):
        return  # reported as an error finding: fine
    project = Project([module])
    evaluator = Evaluator(project, CATALOGUE)
    HandlerFinder(project, evaluator, CATALOGUE).find()
    reach = Reach(project, evaluator, CATALOGUE)
    for qualname in module.functions:
        reach.function_effects(0, qualname)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_generated_programs_never_crash_the_analyser(source: str) -> None:
    _analyse_module(source)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_node())
def test_generated_syntax_trees_never_crash_the_analyser(source: str) -> None:
    _analyse_module(source)


@pytest.mark.parametrize("package", ["flask", "starlette", "fastapi", "werkzeug", "jinja2", "click"])
def test_installed_packages_never_crash_the_analyser(package: str) -> None:
    spec = importlib.util.find_spec(package)
    # All of them come with the test extra (flask brings werkzeug, jinja2 and click): missing is a broken set-up.
    assert spec is not None and spec.submodule_search_locations, f"{package} is not installed: pip install -e .[test]"
    folder = Path(list(spec.submodule_search_locations)[0])
    report = analyse([str(folder)], Config(cache=False, jobs=1), cwd=folder)
    assert report.files > 5
    assert all(f.severity != "error" or f.code.startswith("GAL9") for f in report.findings)


ROUTED = '''
import subprocess
from flask import Flask

app = Flask(__name__)

def convert(path):
    subprocess.run(["soffice", "--convert-to", "pdf", path])

@app.post("/convert")
def upload():
    convert("x.docx")
    return "ok"
'''


@pytest.mark.parametrize("strip, replacement", [
    ('@app.post("/convert")\n', ""),
    ('@app.post("/convert")\n', "@staticmethod\n"),
])
def test_removing_the_route_removes_the_handler_and_its_findings(tmp_path: Path, strip: str, replacement: str) -> None:
    (tmp_path / "app.py").write_text(ROUTED)
    before = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert [h.qualname for h in before.handlers] == ["upload"] and before.findings
    (tmp_path / "app.py").write_text(ROUTED.replace(strip, replacement))
    after = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert after.handlers == [] and after.findings == []


def test_removing_a_urls_entry_removes_the_django_view(tmp_path: Path) -> None:
    (tmp_path / "views.py").write_text(
        "from django.core.mail import send_mass_mail\nfrom django.http import HttpResponse\n\n"
        "def announce(request):\n    send_mass_mail([])\n    return HttpResponse('ok')\n")
    urls = "from django.urls import path\nfrom views import announce\n\nurlpatterns = [\n    path('announce/', announce),\n]\n"
    (tmp_path / "urls.py").write_text(urls)
    before = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert [(h.qualname, h.route) for h in before.handlers] == [("announce", "announce/")]
    assert [f.code for f in before.findings] == ["GAL105"]
    (tmp_path / "urls.py").write_text(urls.replace("    path('announce/', announce),\n", ""))
    after = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert after.handlers == [] and after.findings == []


def test_warm_cache_gives_the_same_report_and_notices_edits(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(ROUTED)
    config = Config(jobs=1)
    cold = analyse(["."], config, cwd=tmp_path)
    assert (tmp_path / ".greenit-cache").is_dir()
    warm = analyse(["."], config, cwd=tmp_path)
    assert [(f.path, f.line, f.code) for f in warm.findings] == [(f.path, f.line, f.code) for f in cold.findings]
    (tmp_path / "app.py").write_text(ROUTED.replace('    subprocess.run(["soffice", "--convert-to", "pdf", path])', "    pass"))
    edited = analyse(["."], config, cwd=tmp_path)
    assert edited.findings == []


# -- hostile files: one reader for the fixer and the reports ----------------------------------------

def _fifo(path: Path) -> Path:
    import os
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    os.mkfifo(path)
    return path


def test_the_reader_refuses_a_fifo_a_huge_file_and_undecodable_bytes(tmp_path: Path) -> None:
    from greenit_async_lint.analysis.readfile import Unreadable, maybe_text, read_text
    fifo = _fifo(tmp_path / "x.py")
    with pytest.raises(Unreadable, match="not a regular file"):
        read_text(fifo)  # opening a FIFO for reading blocks until a writer comes: never opened so
    (tmp_path / "big.py").write_bytes(b"x = 1\n" * 100)
    with pytest.raises(Unreadable, match="limit"):
        read_text(tmp_path / "big.py", max_bytes=10)
    (tmp_path / "latin.py").write_bytes(b"s = '\xe9'\n")
    with pytest.raises(Unreadable, match="not UTF-8"):
        read_text(tmp_path / "latin.py")
    assert maybe_text(tmp_path / "latin.py") == "s = '\ufffd'\n"
    assert maybe_text(tmp_path / "missing.py") is None


def test_queue_detection_and_fix_sources_skip_a_fifo_named_like_python(tmp_path: Path) -> None:
    from greenit_async_lint.fix.queues import detect
    from greenit_async_lint.fix.rules import load_remedies
    from greenit_async_lint.fix.sources import Sources
    (tmp_path / "app.py").write_text("import celery\n")
    _fifo(tmp_path / "x.py")
    _fifo(tmp_path / "requirements.txt")
    stack = detect([tmp_path], load_remedies())  # read the FIFOs (hung) before the shared reader
    assert stack is not None
    source = Sources(tmp_path).get("x.py")
    assert source.module is None and "not a regular file" in (source.error or "")


def test_deep_json_is_refused_with_a_reason_not_a_recursion_error() -> None:
    from greenit_async_lint.analysis.readfile import Unreadable, loads_json
    with pytest.raises(Unreadable, match="nested deeper"):
        loads_json("[" * 100_000 + "]" * 100_000)
    assert loads_json('{"a": ["[[[[", {"b": 1}]}') == {"a": ["[[[[", {"b": 1}]}

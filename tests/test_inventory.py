"""Inventory coverage: route registrations seen, followed to their views, or not, in every report."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES
from greenit_async_lint import output
from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.config import Config
from greenit_async_lint.reporting import render
from greenit_async_lint.reporting.gate import unresolved_exit_code

APP = '''
import importlib

from flask import Flask
from flask.views import MethodView

app = Flask(__name__)


def index():
    return "ok"


class Items(MethodView):
    def get(self):
        return "items"


app.add_url_rule("/", view_func=index)
app.add_url_rule("/items", view_func=Items.as_view("items"))
app.add_url_rule("/plugin", view_func=getattr(importlib.import_module("plugins"), PLUGIN))
'''


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "greenit_async_lint", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def app(tmp_path: Path) -> Path:
    (tmp_path / "web.py").write_text(APP)
    return tmp_path


def test_registrations_followed_and_not_followed_are_counted_with_their_line(app: Path) -> None:
    report = analyse(["."], Config(cache=False), cwd=app)
    by_line = {r.line: r for r in report.registrations}
    assert sorted(by_line) == [19, 20, 21]
    assert by_line[19].resolved == by_line[20].resolved == "project"
    assert by_line[21].resolved == "" and by_line[21].route == "/plugin" and by_line[21].path == "web.py"
    assert {h.qualname for h in report.handlers} == {"index", "Items.get"}


def test_making_the_view_followable_moves_it_from_unresolved_to_resolved(app: Path) -> None:
    before = output.to_dict(analyse(["."], Config(cache=False), cwd=app))["summary"]
    (app / "web.py").write_text(APP.replace('getattr(importlib.import_module("plugins"), PLUGIN)', "index"))
    after = output.to_dict(analyse(["."], Config(cache=False), cwd=app))["summary"]
    assert (before["registrations"], before["resolved"], before["unresolved"]) == (3, 2, 1)
    assert (after["registrations"], after["resolved"], after["unresolved"]) == (3, 3, 0)


def test_a_view_of_an_installed_package_is_followed_as_outside(tmp_path: Path) -> None:
    (tmp_path / "urls.py").write_text(
        "from django.contrib import admin\nfrom django.contrib.auth import views as auth_views\n"
        "from django.urls import path\n\n"
        'urlpatterns = [path("admin/", admin.site.urls), path("login/", auth_views.LoginView.as_view())]\n')
    summary = output.to_dict(analyse(["."], Config(cache=False), cwd=tmp_path))["summary"]
    assert (summary["registrations"], summary["outside"], summary["unresolved"]) == (2, 2, 0)


def test_every_fixture_registration_is_followed() -> None:
    """The fixture apps route every view in ways the engine follows; a regression in a mechanism
    shows here as an unresolved registration with its file:line."""
    for app in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        report = analyse([str(app)], Config(cache=False), cwd=app)
        assert report.registrations, app.name
        missing = [f"{r.path}:{r.line} {r.view}" for r in report.registrations if not r.resolved]
        assert missing == [], app.name


def test_cli_text_json_and_gate(app: Path) -> None:
    done = cli("check", ".", "--no-cache", cwd=app)
    assert done.returncode == 0, done.stderr
    assert "2 of 3 route registrations resolved; 1 could not be followed: see --show-unresolved" in done.stdout
    assert "warning" not in done.stderr  # one in three: not most

    shown = cli("check", ".", "--no-cache", "--show-unresolved", cwd=app)
    assert "web.py:21: flask route /plugin registered with a view that could not be followed" in shown.stdout

    data = json.loads(cli("check", ".", "--no-cache", "--format", "json", cwd=app).stdout)
    assert (data["summary"]["registrations"], data["summary"]["unresolved"]) == (3, 1)
    assert [(u["path"], u["line"], u["route"]) for u in data["unresolved"]] == [("web.py", 21, "/plugin")]

    assert cli("check", ".", "--no-cache", "--fail-on-unresolved", "0", cwd=app).returncode == 1
    assert cli("check", ".", "--no-cache", "--fail-on-unresolved", "1", cwd=app).returncode == 0
    bad = cli("check", ".", "--no-cache", "--fail-on-unresolved", "-1", cwd=app)
    assert bad.returncode == 2 and "--fail-on-unresolved" in bad.stderr


def test_config_key_fails_the_gate_and_a_bad_value_names_the_key(app: Path) -> None:
    (app / "pyproject.toml").write_text("[tool.greenit-async-lint]\nfail-on-unresolved = 0\n")
    assert cli("check", ".", "--no-cache", cwd=app).returncode == 1
    (app / "pyproject.toml").write_text('[tool.greenit-async-lint]\nfail-on-unresolved = "few"\n')
    bad = cli("check", ".", "--no-cache", cwd=app)
    assert bad.returncode == 2 and "fail-on-unresolved" in bad.stderr


def test_mostly_unresolved_warns_and_reports_do_not_read_as_a_pass(app: Path) -> None:
    lines = APP.splitlines()
    (app / "web.py").write_text("\n".join(lines[:-2] + [lines[-1]] * 3) + "\n")  # 1 followed, 3 not
    done = cli("check", ".", "--no-cache", "--format", "markdown", "--output", "r.md", "--format", "html",
               "--output", "r.html", cwd=app)
    assert done.returncode == 0  # warns; failing is what --fail-on-unresolved is for
    assert "warning: most route registrations (3 of 4) could not be followed" in done.stderr
    markdown = (app / "r.md").read_text()
    assert markdown.startswith("# GreenIT 112 compliance report: COMPLIANT (inventory incomplete)")
    assert "web.py:20" in markdown and "/plugin" in markdown
    html = (app / "r.html").read_text()
    assert 'class="badge not-compliant">COMPLIANT (inventory incomplete)</span>' in html
    assert '<p id="coverage" class="gate failed">' in html


def test_reports_from_before_the_inventory_render_without_it() -> None:
    old = {"summary": {"files": 1, "handlers": 0, "violations": 0, "warnings": 0, "errors": 0},
           "handlers": [], "findings": []}
    assert "Inventory coverage" not in render(old, "markdown")
    assert 'id="coverage"' not in render(old, "html")
    assert "route registrations" not in output.text(old)
    assert unresolved_exit_code(old, 0) == 0


def test_fully_resolved_report_says_so(app: Path) -> None:
    (app / "web.py").write_text(APP.replace('getattr(importlib.import_module("plugins"), PLUGIN)', "index"))
    data = output.to_dict(analyse(["."], Config(cache=False), cwd=app))
    assert "all 3 route registrations resolved" in output.text(data)
    assert "**Inventory coverage:** all 3 route registrations resolved." in render(data, "markdown")
    assert data["unresolved"] == []


def test_a_route_list_under_a_dotted_module_path_is_read() -> None:
    """`tornado.web.Application([...])`: the callee is an attribute of an attribute of an import;
    its (route, view) entries are registrations and give the handlers their routes."""
    app = FIXTURES / "tornado_chat"
    report = analyse([str(app)], Config(cache=False), cwd=app)
    listed = [(r.route, r.view, r.resolved) for r in report.registrations if r.kind == "list"]
    assert ("/", "IndexHandler", "project") in listed
    assert ("/static/(.*)", "tornado.web.StaticFileHandler", "outside") in listed
    assert len(listed) == 7  # the url(...) entry is a registration call of its own
    routes = {h.qualname: h.route for h in report.handlers}
    assert routes["IndexHandler.get"] == "/" and routes["RoomsHandler.get"] == "/rooms"


def test_merged_reports_keep_the_coverage_of_each_service(app: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    from greenit_async_lint.reporting.merge import merge_reports

    other = tmp_path_factory.mktemp("other")
    (other / "web.py").write_text(APP.replace('getattr(importlib.import_module("plugins"), PLUGIN)', "index"))
    first = output.to_dict(analyse(["."], Config(cache=False), cwd=app))
    second = output.to_dict(analyse(["."], Config(cache=False), cwd=other))
    merged = merge_reports([first, second])
    summary = merged["summary"]
    assert (summary["registrations"], summary["resolved"], summary["unresolved"]) == (6, 5, 1)
    assert [(u["path"], u["line"]) for u in merged["unresolved"]] == [("web.py", 21)]
    assert "5 of 6 route registrations resolved; 1 could not be followed" in output.text(merged)


def test_a_view_bound_to_a_name_first_is_followed(tmp_path: Path) -> None:
    """`detail = ReportView.as_view()` then `path("r/", detail)` routes the class like the inline call."""
    (tmp_path / "views.py").write_text(
        "from django.views import View\n\n\nclass ReportView(View):\n    def get(self, request):\n        return None\n")
    (tmp_path / "urls.py").write_text(
        "from django.urls import path\n\nfrom views import ReportView\n\ndetail = ReportView.as_view()\n"
        'urlpatterns = [path("reports/", detail)]\n')
    report = analyse(["."], Config(cache=False), cwd=tmp_path)
    assert [(r.view, r.resolved) for r in report.registrations] == [("detail", "project")]
    assert {h.qualname: h.route for h in report.handlers} == {"ReportView.get": "reports/"}

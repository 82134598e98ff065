"""Registrations through project forwarders (handlers/forwarding.py) and the template-method
chain of a registered class (handlers/template_methods.py)."""
from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES


def _handlers(run_check, folder: Path) -> dict[str, tuple[str | None, bool]]:
    return {f"{h.path}:{h.qualname}": (h.route, h.function) for h in run_check(folder).handlers}


def _write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text, "utf-8")
    return tmp_path


def test_a_resource_routed_through_a_project_method_is_registered(run_check) -> None:
    found = _handlers(run_check, FIXTURES / "flask_api_resources")
    # StatusResource inherits everything: it is listed only because `add_org_resource` routes it.
    assert found["portal/resources.py:StatusResource"] == (None, False)


def test_the_overrides_an_inherited_view_method_calls_are_the_views_handlers(run_check) -> None:
    found = _handlers(run_check, FIXTURES / "flask_api_resources")
    # BaseListResource.get calls self.kind(): ArchiveResource's override runs in its request.
    assert found["portal/resources.py:ArchiveResource.kind"] == (None, True)
    assert "portal/resources.py:ArchiveResource" not in found


def test_the_template_method_hooks_of_a_registered_class_are_its_handlers(run_check) -> None:
    found = _handlers(run_check, FIXTURES / "flask_api_resources")
    assert found["portal/handlers.py:RHExportReport._process"] == ("/reports/<int:report_id>/export", True)
    assert "portal/handlers.py:RHExportReport._check_access" in found
    assert "portal/handlers.py:RHDownloadReport._process" in found
    # The base's `_process` dispatches on `getattr(self, "_process_" + request.method)`.
    assert {"portal/handlers.py:RHReportMail._process_GET", "portal/handlers.py:RHReportMail._process_POST"} <= set(found)
    # The base's entry and its default hooks are no route of their own.
    assert not any(key.startswith("portal/handlers.py:RH.") for key in found)


FORWARDERS = {
    "app.py": '''
from flask import Flask

from .views import export

app = Flask(__name__)


def add_page(rule, view):
    app.add_url_rule(rule, view_func=view)


def add_admin_page(rule, view, **options):
    add_page("/admin" + rule, view)


add_page("/export", export)
add_admin_page("/purge", view=export)
''',
    "views.py": '''
import subprocess


def export():
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "x.docx"], check=True)
    return "ok"
''',
}


def test_forwarders_of_forwarders_register_the_view_they_are_given(run_check, tmp_path: Path) -> None:
    report = run_check(_write(tmp_path, FORWARDERS))
    assert [(h.path, h.qualname, h.route) for h in report.handlers] == [("views.py", "export", "/export")]
    assert [f.code for f in report.findings] == ["GAL101"]


def test_a_function_registering_a_fixed_view_is_no_forwarder(run_check, tmp_path: Path) -> None:
    files = dict(FORWARDERS)
    files["app.py"] = '''
from flask import Flask

from .views import export

app = Flask(__name__)


def setup(rule):
    app.add_url_rule(rule, view_func=export)


setup("/export")
'''
    report = run_check(_write(tmp_path, files))
    assert [(h.path, h.qualname) for h in report.handlers] == [("views.py", "export")]


def test_a_helper_given_the_app_as_a_plain_parameter_registers(run_check, tmp_path: Path) -> None:
    """FlaskBB's register_view(bp, routes, view_func): the receiver is an untyped parameter, the
    method is Flask's own add_url_rule, and the helper forwards its view."""
    files = {
        "helpers.py": '''
def register_view(bp_or_app, routes, view_func, *args, **kwargs):
    for route in routes:
        bp_or_app.add_url_rule(route, view_func=view_func, *args, **kwargs)


def register_assets(app, folder):
    def assets(path):
        return open(folder + path).read()
    app.add_url_rule("/assets/<path>", view_func=assets)
''',
        "views.py": '''
from flask import Blueprint

from helpers import register_view

forum = Blueprint("forum", __name__)


def show_topic(topic_id):
    return "topic"


def unrelated(d):
    return d.add_url_rule("/x")


register_view(forum, routes=["/topic/<int:topic_id>"], view_func=show_topic)
''',
    }
    report = run_check(_write(tmp_path, files))
    assert {(h.path, h.qualname) for h in report.handlers} == {("views.py", "show_topic"),
                                                               ("helpers.py", "register_assets.assets")}

"""Waits that look like configuration: a Celery worker broadcast (the request waits for every
worker's reply, up to the timeout) and a SAML configuration that loads the identity provider's
remote metadata. Checked through the engine on a small Flask handler, like test_catalogue_entries."""
from __future__ import annotations

from pathlib import Path

import pytest

from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.config import Config

APP = """\
from flask import Flask
{imports}

app = Flask(__name__)
celery = Celery("app")


@app.get('/x')
def handler():
{body}
    return 'ok'
"""


def _findings(tmp_path: Path, imports: str, body: str) -> list[tuple[str, str, str]]:
    text = APP.format(imports="from celery import Celery\n" + imports,
                      body="".join(f"    {line}\n" for line in body.splitlines()))
    (tmp_path / "app.py").write_text(text, "utf-8")
    report = analyse(["."], Config.from_mapping({"cache": False, "jobs": 1}), cwd=tmp_path)
    return [(f.code, f.leaf, f.weight) for f in report.findings]


@pytest.mark.parametrize(("imports", "body", "leaf"), [
    ("", "inspect = celery.control.inspect()\nstats = inspect.stats()", "celery.Celery.control.inspect.stats"),
    ("", "celery.control.inspect().ping()", "celery.Celery.control.inspect.ping"),
    ("", "replies = celery.control.ping(timeout=1.0)", "celery.Celery.control.ping"),
    ("from celery import current_app", "current_app.control.inspect().active()",
     "celery.current_app.control.inspect.active"),
])
def test_a_worker_broadcast_is_a_bounded_wait(tmp_path: Path, imports: str, body: str, leaf: str) -> None:
    assert _findings(tmp_path, imports, body) == [("GAL111", leaf, "blocking")]


def test_building_the_inspector_or_queueing_a_task_is_no_wait(tmp_path: Path) -> None:
    body = "inspect = celery.control.inspect()\ncelery.send_task('reports.build')"
    assert _findings(tmp_path, "", body) == []


def test_a_saml_configuration_fetches_remote_metadata(tmp_path: Path) -> None:
    body = ("config = Saml2Config()\nconfig.load({'metadata': {'remote': [{'url': 'https://idp/metadata'}]}})\n"
            "client = Saml2Client(config=config)")
    imports = "from saml2.client import Saml2Client\nfrom saml2.config import Config as Saml2Config"
    assert _findings(tmp_path, imports, body) == [("GAL106", "saml2.config.Config.load", "blocking")]

"""A call on what a catalogued call returned is not that work again (analysis/results.py): the
reply of a Celery broadcast, the response of a GET. The fixture app worker_status shows it end to end."""
from __future__ import annotations

from pathlib import Path

import pytest

from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.analysis.results import CatalogueResults
from greenit_async_lint.catalogue.load import load_catalogue
from greenit_async_lint.config import Config


@pytest.fixture(scope="module")
def results() -> CatalogueResults:
    return CatalogueResults(load_catalogue().work)


@pytest.mark.parametrize("name", [
    "celery.Celery.control.inspect.ping.items",  # the dict of replies
    "requests.Session.get.json",  # the response
    "requests.Session.get.raise_for_status",
])
def test_a_call_on_a_catalogued_result_is_not_that_work(results: CatalogueResults, name: str) -> None:
    assert results.on_result(name)


@pytest.mark.parametrize("name", [
    "celery.Celery.control.inspect.ping",  # the broadcast itself
    "smtplib.SMTP.sendmail",  # named by its own entry: the connection's methods are known
    "requests.Session.get",  # a method of the session, not of a result
    "ftplib.FTP.retrbinary",  # `ftplib.FTP.*` names what the connection does
    "redis.Redis.from_url.sismember",  # an alternate constructor gives a client
    "boto3.session.Session.resource.Bucket.upload_file",  # a resource object built by its class
])
def test_calls_the_catalogue_names_are_still_work(results: CatalogueResults, name: str) -> None:
    assert not results.on_result(name)


def test_the_reply_of_a_broadcast_is_read_without_waiting_again(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "from celery import Celery\nfrom flask import Flask\napp = Flask(__name__)\ncelery_app = Celery('x')\n\n"
        "@app.get('/workers')\ndef workers():\n    replies = celery_app.control.inspect().ping()\n"
        "    return sorted(replies.items())\n")
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert [(f.line, f.code) for f in report.findings] == [(8, "GAL111")]

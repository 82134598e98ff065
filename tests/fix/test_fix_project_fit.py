"""Fixes that fit the project (issue 12, item 5): a project that queues its jobs through its own
helper gets that helper named in the fix, and an export is worded as an export."""
from __future__ import annotations

import importlib.resources
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from greenit_async_lint.catalogue import CatalogueError
from greenit_async_lint.fix.codemods import SAFETY
from greenit_async_lint.fix.rules import parse_remedies

TASKS = '''\
import logging
import dramatiq

log = logging.getLogger(__name__)


@dramatiq.actor
def send_welcome(user_id):
    pass


@dramatiq.actor
def notify(user_id):
    pass


def send_task(task, *args, **kwargs):
    log.info("queue %s", task.actor_name)
    task.send(*args, **kwargs)
'''

VIEWS = '''\
import subprocess
from flask import Flask

from .tasks import notify, send_task, send_welcome

app = Flask(__name__)


@app.post("/signup")
def signup():
    send_task(send_welcome, 1)
    return "", 202


@app.post("/ping")
def ping():
    send_task(notify, 1)
    return "", 202


@app.post("/convert")
def convert():
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "in.docx"], check=True)
    return "done"


@app.get("/orders/export")
def export_orders():
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "orders.html"], check=True)
    return "done"


@app.post("/contacts/import")
def import_contacts():
    subprocess.run(["soffice", "--headless", "--convert-to", "csv", "contacts.xlsx"], check=True)
    return "done"
'''


def _fixes(root: Path) -> dict[str, dict]:
    done = subprocess.run([sys.executable, "-m", "greenit_async_lint", "check", ".", "--no-cache", "--format",
                           "json"], cwd=root, capture_output=True, text=True, timeout=120)
    report = json.loads(done.stdout)
    return {f["handler"]["qualname"]: f["fix"] for f in report["findings"]}


def _app(tmp_path: Path, views: str = VIEWS, tasks: str = TASKS) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("", "utf-8")
    (tmp_path / "app" / "tasks.py").write_text(tasks, "utf-8")
    (tmp_path / "app" / "views.py").write_text(views, "utf-8")
    return tmp_path


def test_the_projects_own_dispatch_helper_is_named(tmp_path: Path) -> None:
    fix = _fixes(_app(tmp_path))["convert"]
    assert "the project's own helper `send_task(...)` (app/tasks.py:17)" in fix["title"]
    assert "Dramatiq" in fix["title"]


def test_a_helper_called_once_is_not_the_projects_way_of_queueing(tmp_path: Path) -> None:
    views = VIEWS.replace("    send_task(notify, 1)\n", "    notify.send(1)\n")
    fix = _fixes(_app(tmp_path, views))["convert"]
    assert "send_task" not in fix["title"]
    assert "`.send(...)`" in fix["title"]


def test_a_function_that_queues_one_fixed_task_is_not_a_dispatch_helper(tmp_path: Path) -> None:
    tasks = TASKS.replace("def send_task(task, *args, **kwargs):\n    log.info(\"queue %s\", task.actor_name)\n"
                          "    task.send(*args, **kwargs)\n",
                          "def send_task(task, *args, **kwargs):\n    notify.send(*args, **kwargs)\n")
    fix = _fixes(_app(tmp_path, tasks=tasks))["convert"]
    assert "send_task" not in fix["title"]


def test_an_export_is_worded_as_an_export_and_an_import_as_an_import(tmp_path: Path) -> None:
    fixes = _fixes(_app(tmp_path))
    assert fixes["export_orders"]["title"].startswith("Move the export into")
    assert "download link" in fixes["export_orders"]["title"]
    assert "batch of uploads" not in fixes["export_orders"]["title"] + fixes["export_orders"]["description"]
    assert fixes["import_contacts"]["title"].startswith("Move the import into")
    assert "one job reads every row" in fixes["import_contacts"]["description"]
    # No purpose in the words: the family's wording stays.
    assert fixes["convert"]["title"].startswith("Move the conversion into")
    assert "Uploads are saved first" in fixes["convert"]["description"]


def _remedies() -> dict:
    text = importlib.resources.files("greenit_async_lint.rules").joinpath("remedies.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def test_a_purpose_with_an_unknown_key_is_named_in_the_error() -> None:
    data = _remedies()
    data["purposes"]["export"]["wording"] = "x"
    with pytest.raises(CatalogueError, match=r"purposes\.export"):
        parse_remedies(data, SAFETY)

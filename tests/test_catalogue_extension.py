"""A user's catalogue entries extend the shipped ones, through the real command line.

`extra-work` for a shipped pattern adds its `upgrades` to the shipped ones (unless `replace: true`);
`extra-offloads` queues with a shipped name add to the shipped queue; `family` names call families
only (a runtime or file family from config would produce findings the checker cannot make).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from greenit_async_lint.catalogue import CatalogueError, load_catalogue

APP = '''\
import subprocess
from flask import Flask

app = Flask(__name__)

@app.post("/office")
def office():
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "a.docx"])
    return "ok"

@app.post("/typeset")
def typeset():
    subprocess.run(["typst", "compile", "a.typ"])
    return "ok"
'''

TYPST = "{args_contain = ['typst'], family = 'document-conversion'}"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "greenit_async_lint", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def findings(tmp_path: Path, table: str) -> dict[str, str]:
    """The code reported in each handler, by handler name."""
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "pyproject.toml").write_text(f"[tool.greenit-async-lint]\n{table}\n")
    result = cli("check", "--no-cache", "--format", "json", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    data = json.loads(result.stdout)
    lines = {8: "office", 13: "typeset"}
    return {lines[f["line"]]: f["code"] for f in data["findings"]}


def test_shipped_upgrades_apply_without_configuration(tmp_path: Path) -> None:
    assert findings(tmp_path, "") == {"office": "GAL101", "typeset": "GAL107"}


def test_an_extra_work_entry_for_a_shipped_call_keeps_the_shipped_upgrades(tmp_path: Path) -> None:
    table = f"extra-work = [{{calls = ['subprocess.run'], upgrades = [{TYPST}]}}]"
    assert findings(tmp_path, table) == {"office": "GAL101", "typeset": "GAL101"}


def test_an_extra_work_entry_with_its_own_family_still_merges_upgrades(tmp_path: Path) -> None:
    table = f"extra-work = [{{family = 'external-process', weight = 'blocking', calls = ['subprocess.run'], " \
            f"upgrades = [{TYPST}]}}]"
    assert findings(tmp_path, table) == {"office": "GAL101", "typeset": "GAL101"}


def test_replace_true_drops_the_shipped_entry(tmp_path: Path) -> None:
    table = f"extra-work = [{{family = 'external-process', calls = ['subprocess.run'], upgrades = [{TYPST}], " \
            f"replace = true}}]"
    assert findings(tmp_path, table) == {"office": "GAL107", "typeset": "GAL101"}


@pytest.mark.parametrize("entry, key", [
    ("{family = 'runtime-violation', calls = ['x.y']}", "extra-work[0].family"),
    ("{family = 'error', calls = ['x.y']}", "extra-work[0].family"),
    ("{calls = ['x.y']}", "extra-work[0].family"),  # a new pattern needs a family
    ("{calls = ['subprocess.run'], upgrades = [{args_contain = ['typst'], family = 'runtime-warning'}]}",
     "extra-work[0].upgrades[0].family"),
    ("{family = 'sleep', calls = ['x.y'], replace = 'yes'}", "extra-work[0].replace"),
])
def test_family_must_be_a_call_family_and_bad_entries_exit_2(tmp_path: Path, entry: str, key: str) -> None:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "pyproject.toml").write_text(f"[tool.greenit-async-lint]\nextra-work = [{entry}]\n")
    result = cli("check", "--no-cache", cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    assert key in result.stderr and "Traceback" not in result.stderr


QUEUE_APP = '''\
from flask import Flask
import subprocess
from mycelery import tasks

app = Flask(__name__)

@tasks.job
def convert(path):
    subprocess.run(["soffice", "--convert-to", "pdf", path])

@app.post("/convert")
def start():
    convert("a.docx")
    return "done"
'''


def test_an_extra_offloads_queue_with_a_shipped_name_extends_it(tmp_path: Path) -> None:
    """The project's own decorator joins the shipped Celery queue: `convert` becomes a Celery task,
    so calling it directly is a fake offload (GAL202), not a plain helper's conversion (GAL101)."""
    (tmp_path / "app.py").write_text(QUEUE_APP)
    codes = {}
    for name, queues in (("none", ""), ("extended", "[{name = 'celery', task_decorators = ['mycelery.tasks.job']}]")):
        table = f"extra-offloads = {{queues = {queues}}}" if queues else ""
        (tmp_path / "pyproject.toml").write_text(f"[tool.greenit-async-lint]\n{table}\n")
        result = cli("check", "--no-cache", "--format", "json", cwd=tmp_path)
        codes[name] = [(f["line"], f["code"]) for f in json.loads(result.stdout)["findings"]]
    assert codes == {"none": [(13, "GAL101")], "extended": [(13, "GAL202")]}


def test_replace_true_drops_the_shipped_queue() -> None:
    replaced = load_catalogue({"extra-offloads": {"queues": [
        {"name": "celery", "replace": True, "task_decorators": ["mycelery.tasks.job"]}]}})
    queue = replaced.offloads.task_decorators.match("mycelery.tasks.job")
    assert queue is not None and queue.send_methods == frozenset()
    assert replaced.offloads.task_decorators.match("celery.shared_task") is None


def test_an_extended_queue_keeps_the_shipped_lists_after_the_users() -> None:
    catalogue = load_catalogue({"extra-offloads": {"queues": [
        {"name": "celery", "send_methods": ["enqueue_now"]}]}})
    queue = catalogue.offloads.task_decorators.match("celery.shared_task")
    assert queue is not None and {"delay", "apply_async", "enqueue_now"} <= queue.send_methods
    document = next(q for q in catalogue.offloads.queue_documents if q["name"] == "celery")
    assert document["remedy"]["title"] == "Celery"  # the fixer's templates stay with the queue


def test_a_bad_user_queue_names_the_users_key() -> None:
    with pytest.raises(CatalogueError) as info:
        load_catalogue({"extra-offloads": {"queues": [{"name": "celery", "send_methods": "delay"}]}})
    assert str(info.value).startswith("extra-offloads.queues[0].send_methods")

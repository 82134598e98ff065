"""Per-request cost (issue 12, item 2): work bounded by one item of the request (one image, one
object's own folder, an archive of a few entries: offloads.yaml `trivial`, analysis/trivial.py) is
reported at low confidence with its reason; the same work in a loop over a collection, on an event
loop, or on a whole folder tree still is at high confidence."""
from __future__ import annotations

from pathlib import Path

import pytest

from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.catalogue import CatalogueError
from greenit_async_lint.catalogue.offloads import build_offloads
from greenit_async_lint.config import Config

HEADER = """\
import io
import os
import shutil
import tempfile
import uuid
import zipfile
from contextlib import contextmanager

from fastapi import BackgroundTasks, FastAPI
from PIL import Image

app = FastAPI()
MEDIA = "/srv/media"


class Store:
    root = "/srv/store"

    def wipe(self):
        shutil.rmtree(self.root)


def shrink(upload):
    image = Image.open(upload)
    image.thumbnail((128, 128))
    return image


@contextmanager
def scratch():
    path = os.path.join(MEDIA, "tmp", uuid.uuid4().hex)
    try:
        yield path
    finally:
        shutil.rmtree(path)


"""


def _findings(tmp_path: Path, source: str) -> list[tuple[str, int, str, str]]:
    (tmp_path / "app.py").write_text(HEADER + source, "utf-8")
    report = analyse(["."], Config.from_mapping({"cache": False, "jobs": 1, "min-confidence": "low"}), cwd=tmp_path)
    offset = HEADER.count("\n")
    return [(f.code, f.line - offset, f.confidence, f.confidence_reason) for f in report.findings]


def _confidences(tmp_path: Path, source: str) -> list[tuple[str, int, str]]:
    return [(code, line, confidence) for code, line, confidence, _why in _findings(tmp_path, source)]


def test_one_image_in_a_sync_handler_is_low_confidence_with_its_reason(tmp_path: Path) -> None:
    found = _findings(tmp_path, "@app.post('/x')\ndef handler(upload: bytes):\n    shrink(upload)\n")
    assert [(c, line, conf) for c, line, conf, _ in found] == [("GAL102", 3, "low")]
    assert found[0][3].startswith("one image, bounded")


def test_one_image_is_hidden_at_the_default_confidence(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(HEADER + "@app.post('/x')\ndef handler(upload: bytes):\n    shrink(upload)\n")
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert report.findings == []


def test_images_in_a_loop_over_uploads_are_a_batch_again(tmp_path: Path) -> None:
    source = "@app.post('/x')\ndef handler(uploads: list[bytes]):\n    for upload in uploads:\n        shrink(upload)\n"
    assert _confidences(tmp_path, source) == [("GAL102", 4, "high")]


def test_an_image_in_a_loop_at_the_call_itself_is_reported(tmp_path: Path) -> None:
    source = ("@app.post('/x')\ndef handler(uploads: list[bytes]):\n    for upload in uploads:\n"
              "        Image.open(upload).thumbnail((64, 64))\n")
    assert _confidences(tmp_path, source) == [("GAL102", 4, "high")]


def test_one_image_on_the_event_loop_still_stalls_it(tmp_path: Path) -> None:
    source = "@app.post('/x')\nasync def handler(upload: bytes):\n    shrink(upload)\n"
    assert _confidences(tmp_path, source) == [("GAL102", 3, "high")]


@pytest.mark.parametrize("call", [
    "shutil.rmtree(os.path.join(MEDIA, str(item_id)))",  # one object's id joined to the root
    "shutil.rmtree(tempfile.mkdtemp())",  # a fresh temporary folder
    "shutil.rmtree(os.path.join(MEDIA, uuid.uuid4().hex))",  # a fresh unique name
])
def test_removing_one_objects_own_folder_is_low_confidence(tmp_path: Path, call: str) -> None:
    found = _findings(tmp_path, f"@app.delete('/x')\ndef handler(item_id: int):\n    {call}\n")
    assert [(c, line, conf) for c, line, conf, _ in found] == [("GAL104", 3, "low")]
    assert "one object's own folder" in found[0][3]


def test_a_folder_attribute_of_a_per_request_object_is_its_own(tmp_path: Path) -> None:
    source = ("@app.delete('/x')\ndef handler(item_id: int):\n    item = load(item_id)\n"
              "    shutil.rmtree(item.folder)\n\n\ndef load(item_id):\n    return item_id\n")
    assert _confidences(tmp_path, source) == [("GAL104", 4, "low")]


def test_a_with_helpers_fresh_folder_is_its_own(tmp_path: Path) -> None:
    source = "@app.post('/x')\ndef handler():\n    with scratch() as path:\n        return path\n"
    assert [conf for _c, _l, conf in _confidences(tmp_path, source)] == ["low"]


def test_a_background_task_removing_a_with_helpers_folder_is_low_confidence(tmp_path: Path) -> None:
    source = ("@app.post('/x')\ndef handler(tasks: BackgroundTasks):\n    with scratch() as path:\n"
              "        tasks.add_task(shutil.rmtree, path)\n")
    found = _confidences(tmp_path, source)
    assert ("GAL205", 4, "low") in found and all(conf == "low" for _c, _l, conf in found)


@pytest.mark.parametrize("call", [
    "shutil.rmtree(MEDIA)",  # a module-level root: the whole tree
    "shutil.rmtree('/srv/media/cache')",  # a constant path
    "shutil.rmtree(os.path.join(MEDIA, 'thumbnails'))",  # a constant sub-folder
    "Store().wipe()",  # the service's own root (`self.root`)
    "shutil.rmtree(folder)",  # a path given as it is: not judged
])
def test_removing_a_whole_folder_tree_is_still_reported(tmp_path: Path, call: str) -> None:
    found = _confidences(tmp_path, f"@app.delete('/x')\ndef handler(folder: str):\n    {call}\n")
    assert found == [("GAL104", 3, "high")]


def _weights(tmp_path: Path, source: str) -> list[tuple[str, int, str, str]]:
    (tmp_path / "app.py").write_text(HEADER + source, "utf-8")
    report = analyse(["."], Config.from_mapping({"cache": False, "jobs": 1, "min-confidence": "low"}), cwd=tmp_path)
    return [(f.code, f.line - HEADER.count("\n"), f.weight, f.confidence) for f in report.findings]


def test_one_item_of_heavy_work_is_blocking_and_a_batch_of_it_heavy(tmp_path: Path) -> None:
    """Removing one object's folder (rmtree, heavy in the catalogue) is bounded by that object:
    blocking, still sure on an event loop; for each row of a collection it is heavy again."""
    one = "@app.delete('/x')\nasync def handler(item_id: int):\n    shutil.rmtree(os.path.join(MEDIA, str(item_id)))\n"
    assert _weights(tmp_path, one) == [("GAL104", 3, "blocking", "high")]
    every = ("@app.delete('/x')\ndef handler(ids: list[int]):\n    for item_id in ids:\n"
             "        shutil.rmtree(os.path.join(MEDIA, str(item_id)))\n")
    assert _weights(tmp_path, every) == [("GAL104", 4, "heavy", "high")]


RECORD = """\
from pydantic import BaseModel


class Upload(BaseModel):
    id: str

    @property
    def folder(self):
        return os.path.join(MEDIA, "uploads", self.id)

    def remove_files(self):
        shutil.rmtree(self.folder)


@app.delete('/uploads/{upload_id}')
def remove(upload_id: str):
    Upload(id=upload_id).remove_files()


@app.delete('/store')
def wipe():
    Store().wipe()
"""


def test_a_records_own_folder_is_its_own_and_a_services_is_not(tmp_path: Path) -> None:
    """In a method of a pydantic model (offloads.yaml `records`), `self` is one object: its folder
    is its own. A service's `self.root` (Store.wipe) is a whole tree."""
    found = _findings(tmp_path, RECORD)
    assert sorted((code, conf) for code, _line, conf, _why in found) == [("GAL104", "high"), ("GAL104", "low")]
    assert any("one object's own folder" in why for _c, _l, conf, why in found if conf == "low")


def test_each_objects_folder_in_a_loop_over_a_collection_is_reported(tmp_path: Path) -> None:
    source = ("@app.delete('/x')\ndef handler(ids: list[int]):\n    for item_id in ids:\n"
              "        remove(item_id)\n\n\ndef remove(item_id):\n"
              "    shutil.rmtree(os.path.join(MEDIA, str(item_id)))\n")
    assert _confidences(tmp_path, source) == [("GAL104", 4, "high")]


def test_an_archive_of_a_few_entries_is_low_and_of_a_collection_is_reported(tmp_path: Path) -> None:
    source = ("@app.get('/one')\ndef one(path: str):\n    with zipfile.ZipFile(io.BytesIO(), 'w') as zf:\n"
              "        zf.writestr('meta.json', '{}')\n        zf.write(path)\n\n\n"
              "@app.get('/all')\ndef every(paths: list[str]):\n    with zipfile.ZipFile(io.BytesIO(), 'w') as zf:\n"
              "        for path in paths:\n            zf.write(path)\n")
    assert sorted(_confidences(tmp_path, source)) == [("GAL104", 4, "low"), ("GAL104", 5, "low"),
                                                      ("GAL104", 12, "high")]


def test_the_trivial_section_is_validated_and_user_rules_extend_it() -> None:
    with pytest.raises(CatalogueError, match=r"offloads.yaml.trivial.rule"):
        build_offloads({"trivial": {"rule": []}}, None)
    with pytest.raises(CatalogueError, match=r"extra-offloads.trivial.rules\[0\].weight"):
        build_offloads({}, {"trivial": {"rules": [{"name": "x", "calls": ["a.b"], "reason": "r", "weight": 1}]}})
    off = build_offloads({}, {"trivial": {"rules": [{"name": "one-pdf", "calls": ["pdf.render"], "reason": "one page"}],
                                          "joins": ["mypath.join"]}})
    rule = off.trivial.match("pdf.render")
    assert rule is not None and rule.reason == "one page" and rule.path_arg is None
    assert off.path_joins.match("mypath.join")
    assert rule.per_row == ""  # no per-row wording: in a loop over a whole table, its own code
    with pytest.raises(CatalogueError, match=r"per_row"):
        build_offloads({}, {"trivial": {"rules": [{"name": "x", "calls": ["a.b"], "reason": "r", "per_row": ""}]}})
    off = build_offloads({}, {"trivial": {"rules": [{"name": "one-pdf", "calls": ["pdf.render"], "reason": "one page",
                                                     "per_row": "one page rendered for every row"}]}})
    assert off.trivial.match("pdf.render").per_row == "one page rendered for every row"  # type: ignore[union-attr]


BULK = """\
from django.db import models


class Template(models.Model):
    name = models.CharField(max_length=10)


class Port(models.Model):
    name = models.CharField(max_length=10)


class Device(models.Model):
    kind = models.ForeignKey("Kind", on_delete=models.CASCADE)


def copy_ports(device):
    ports = []
    for template in device.kind.templates.all():
        ports.append(Port(name=template.name))
    Port.objects.bulk_create(ports)


def copy_ports_comprehension(device):
    Port.objects.bulk_create([Port(name=t.name) for t in device.kind.templates.all()])


def copy_all_templates():
    ports = [Port(name=t.name) for t in Template.objects.all()]
    Port.objects.bulk_create(ports)


def copy_given(rows):
    Port.objects.bulk_create([Port(name=r) for r in rows])


"""


def test_a_bulk_write_of_one_objects_relations_is_low_and_of_a_table_is_not(tmp_path: Path) -> None:
    source = BULK + (
        "@app.post('/one')\ndef one(pk: int):\n    device = Device.objects.get(pk=pk)\n"
        "    copy_ports(device)\n    copy_ports_comprehension(device)\n"
        "    Port.objects.bulk_create([Port(name='a'), Port(name='b')])\n\n\n"
        "@app.post('/all')\ndef every(names: list[str]):\n    copy_all_templates()\n    copy_given(names)\n"
        "    for device in Device.objects.all():\n        copy_ports(device)\n")
    base = BULK.count("\n")
    found = sorted((code, line - base, conf) for code, line, conf in _confidences(tmp_path, source))
    # One device's bulk write per device of the whole table is per-row work (the rule's `per_row`):
    # GAL114 at line 14, not GAL110 as well.
    assert found == [("GAL110", 4, "low"), ("GAL110", 5, "low"), ("GAL110", 6, "low"),
                     ("GAL110", 11, "high"), ("GAL110", 12, "high"), ("GAL114", 14, "high")]


def test_a_loop_over_a_list_the_handler_fills_is_a_batch(tmp_path: Path) -> None:
    """loops.py counts a list display as a few items; filled in another loop it holds a selection."""
    source = ("@app.post('/x')\ndef handler(uploads: list[bytes]):\n    chosen = []\n    for upload in uploads:\n"
              "        chosen.append(upload)\n    for upload in chosen:\n        shrink(upload)\n")
    assert _confidences(tmp_path, source) == [("GAL102", 7, "high")]


def test_a_loop_over_a_constant_list_stays_bounded(tmp_path: Path) -> None:
    source = "@app.post('/x')\ndef handler(upload: bytes):\n    for size in [64, 128]:\n        shrink(upload)\n"
    assert _confidences(tmp_path, source) == [("GAL102", 4, "low")]


KEY_DERIVATION = """\
import hashlib

ROUNDS = {rounds}


def derive(secret: str, rounds: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", secret.encode(), b"salt", {factor}, dklen=32)


@app.post('/x')
async def handler(secret: str):
    return derive(secret, 600000).hex()
"""


@pytest.mark.parametrize("factor", ["2048", "ROUNDS", "iterations=2048"])
def test_a_key_derivation_with_a_small_constant_work_factor_is_low_even_on_the_event_loop(
        tmp_path: Path, factor: str) -> None:
    source = KEY_DERIVATION.format(rounds=2048, factor=factor)
    found = _findings(tmp_path, source)
    assert [(c, conf) for c, _line, conf, _why in found] == [("GAL112", "low")]
    assert found[0][3].startswith("a key derivation with a constant, small work factor")


@pytest.mark.parametrize("rounds, factor", [(2048, "rounds"), (870000, "ROUNDS"), (2048, "20000")])
def test_a_work_factor_that_is_large_or_not_constant_stays_reported(tmp_path: Path, rounds: int, factor: str) -> None:
    source = KEY_DERIVATION.format(rounds=rounds, factor=factor)
    assert [(c, conf) for c, _line, conf in _confidences(tmp_path, source)] == [("GAL112", "high")]


def test_a_cost_arg_needs_its_threshold() -> None:
    with pytest.raises(CatalogueError, match="below"):
        build_offloads({"trivial": {"rules": [{"name": "x", "reason": "y", "calls": ["a.b"],
                                               "cost_arg": {"arg": 1}}]}}, None)


PER_ROW = BULK + """\
def remove(item_id):
    shutil.rmtree(os.path.join(MEDIA, str(item_id)))


def remove_all(devices):
    for device in devices:
        remove(device.pk)


"""


def _messages(tmp_path: Path, source: str) -> list[tuple[str, int, str, str]]:
    (tmp_path / "app.py").write_text(HEADER + PER_ROW + source, "utf-8")
    report = analyse(["."], Config.from_mapping({"cache": False, "jobs": 1, "min-confidence": "low"}), cwd=tmp_path)
    offset = (HEADER + PER_ROW).count("\n")
    return sorted((f.code, f.line - offset, f.confidence, f.message) for f in report.findings)


def test_one_objects_folder_per_row_of_a_whole_table_is_per_row_work(tmp_path: Path) -> None:
    """The folder removed is one object's, whatever the loop: what grows is the rows (GAL114)."""
    found = _messages(tmp_path, "@app.delete('/all')\ndef every():\n    for device in Device.objects.all():\n"
                                "        remove(device.pk)\n")
    assert [(c, line, conf) for c, line, conf, _ in found] == [("GAL114", 4, "high")]
    assert found[0][3].startswith("`shutil.rmtree` runs once per row (one object's own folder removed for every row)"
                                  " in a loop over `Device.objects.all()`")


def test_a_helper_looping_over_its_parameter_is_judged_by_its_callers_argument(tmp_path: Path) -> None:
    source = ("@app.delete('/one')\ndef one(pk: int):\n    remove_all([Device.objects.get(pk=pk)])\n\n\n"
              "@app.delete('/all')\ndef every():\n    remove_all(Device.objects.all())\n\n\n"
              "@app.delete('/some')\ndef some(devices: list[int]):\n    remove_all(devices)\n")
    found = [(c, line, conf) for c, line, conf, _ in _messages(tmp_path, source)]
    # `[device]`: one folder, low as outside any loop; a whole table: per-row work; a list the
    # code does not know: a batch of folder removals, as before.
    assert found == [("GAL104", 3, "low"), ("GAL104", 13, "high"), ("GAL114", 8, "high")]

"""Precision on real code (issue 12): work that is not every request's is reported at low
confidence (not at all by default), its per-request twin still is; file-system metadata calls are
not findings; the confidence is in the JSON and SARIF reports and `--min-confidence low` shows it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import pytest

from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.cli import main
from greenit_async_lint.config import Config

HEADER = """\
import os
import shutil
import subprocess
import time
from pathlib import Path

from fastapi import FastAPI
from django.conf import settings

app = FastAPI()
ROOT = Path("/srv/data")
_CLIENT = None


def needs_rebuild():
    return False


"""


def _findings(tmp_path: Path, source: str, min_confidence: Optional[str] = None) -> list[tuple[str, int, str]]:
    (tmp_path / "app.py").write_text(HEADER + source, "utf-8")
    options = {"cache": False, "jobs": 1, **({"min-confidence": min_confidence} if min_confidence else {})}
    report = analyse(["."], Config.from_mapping(options), cwd=tmp_path)
    offset = HEADER.count("\n")
    return [(f.code, f.line - offset, f.confidence) for f in report.findings]


METADATA = [
    "os.path.exists('/etc/app.conf')", "os.path.isfile(path)", "os.path.isdir(path)", "os.path.getsize(path)",
    "os.stat(path)", "os.makedirs(path, exist_ok=True)", "os.mkdir(path)", "Path(path).exists()",
    "Path(path).mkdir(parents=True, exist_ok=True)", "Path(path).stat()", "ROOT.exists()",
]


@pytest.mark.parametrize("call", METADATA)
def test_a_file_system_metadata_call_in_an_async_handler_is_not_a_finding(tmp_path: Path, call: str) -> None:
    assert _findings(tmp_path, f"@app.get('/x')\nasync def handler(path: str):\n    {call}\n    return 1\n") == []


def test_reading_a_file_in_an_async_handler_still_is(tmp_path: Path) -> None:
    source = "@app.get('/x')\nasync def handler(path: str):\n    return open(path).read()\n"
    assert _findings(tmp_path, source) == [("GAL109", 3, "high")]


# (the guarded false-positive shape, its per-request twin): line 3 holds the work in both.
GUARDED = {
    "create-if-missing on a constant path": (
        "@app.post('/x')\ndef handler():\n    if not os.path.exists('/srv/data/template'):\n"
        "        shutil.copytree('/opt/template', '/srv/data/template')\n    return 1\n",
        "@app.post('/x')\ndef handler():\n    if True:\n        shutil.copytree('/opt/template', '/srv/data/template')\n"
        "    return 1\n"),
    "create-if-missing on a module-level path": (
        "@app.post('/x')\ndef handler():\n    if not ROOT.exists():\n        shutil.copytree('/opt/t', ROOT)\n"
        "    return 1\n",
        # a path built from the request's arguments: a per-object cache, each new object pays
        "@app.post('/x')\ndef handler(name: str):\n    if not (ROOT / name).exists():\n"
        "        shutil.copytree('/opt/t', ROOT / name)\n    return 1\n"),
    "a needs-check": (
        "@app.post('/x')\ndef handler():\n    if needs_rebuild():\n        shutil.rmtree('/srv/index')\n"
        "    return 1\n",
        "@app.post('/x')\ndef handler():\n    if not needs_rebuild():\n        shutil.rmtree('/srv/index')\n"
        "    return 1\n"),
    "a debug flag": (
        "@app.post('/x')\ndef handler():\n    if settings.DEBUG:\n        subprocess.run(['make', 'docs'])\n"
        "    return 1\n",
        "@app.post('/x')\ndef handler():\n    if not settings.DEBUG:\n        subprocess.run(['make', 'docs'])\n"
        "    return 1\n"),
    "a module-level singleton": (
        "@app.post('/x')\ndef handler():\n    if _CLIENT is None:\n        shutil.copytree('/opt/t', '/srv/t')\n"
        "    return 1\n",
        "@app.post('/x')\ndef handler(client=None):\n    if client is None:\n        shutil.copytree('/opt/t', '/srv/t')\n"
        "    return 1\n"),
    "a retry back-off in a sync handler": (
        "@app.post('/x')\ndef handler(url: str):\n    for attempt in range(3):\n        try:\n"
        "            return os.replace(url, '/tmp/x')\n        except OSError:\n            time.sleep(1)\n",
        "@app.post('/x')\ndef handler(url: str):\n    for attempt in range(3):\n        try:\n"
        "            return os.replace(url, '/tmp/x')\n        finally:\n            time.sleep(1)\n"),
    # The failure path of a retry loop that gives up by raising (loopshape.retry_start): the
    # sleep runs once per failed attempt; its twin waits until the database answers, unbounded.
    "the failure path of a retry loop": (
        "def connect():\n    return os.access('/run/postgresql', os.W_OK)\n\n\n"
        "@app.post('/x')\ndef handler():\n    left = 10\n    while True:\n        if connect():\n            break\n"
        "        left -= 1\n        time.sleep(1)\n        if left == 0:\n            raise RuntimeError('no database')\n"
        "    return 1\n",
        "def connect():\n    return os.access('/run/postgresql', os.W_OK)\n\n\n"
        "@app.post('/x')\ndef handler():\n    while True:\n        if connect():\n            break\n"
        "        time.sleep(1)\n    return 1\n"),
}


@pytest.mark.parametrize("shape", sorted(GUARDED))
def test_guarded_work_is_low_confidence_and_its_twin_is_not(tmp_path: Path, shape: str) -> None:
    guarded, twin = GUARDED[shape]
    assert _findings(tmp_path, guarded) == []
    low = _findings(tmp_path, guarded, "low")
    assert low and all(confidence == "low" for _code, _line, confidence in low)
    sure = _findings(tmp_path, twin)
    assert sure and all(confidence == "high" for _code, _line, confidence in sure)
    assert [code for code, _l, _c in sure] == [code for code, _l, _c in low]


def test_a_retry_back_off_on_the_event_loop_still_stalls_every_request(tmp_path: Path) -> None:
    source = ("@app.post('/x')\nasync def handler(url: str):\n    for attempt in range(3):\n        try:\n"
              "            return 1\n        except OSError:\n            time.sleep(1)\n")
    assert _findings(tmp_path, source) == [("GAL108", 7, "high")]


def test_an_unguarded_path_to_the_same_work_wins_over_a_guarded_one(tmp_path: Path) -> None:
    source = ("def build():\n    shutil.copytree('/opt/t', '/srv/t')\n\n\n"
              "@app.post('/x')\ndef handler():\n    if settings.DEBUG:\n        build()\n    build()\n    return 1\n")
    assert _findings(tmp_path, source, "low") == [("GAL104", 8, "low"), ("GAL104", 9, "high")]


def test_confidence_is_in_json_and_sarif_and_the_option_is_checked(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "app.py").write_text(HEADER + GUARDED["a debug flag"][0], "utf-8")
    assert main(["check", str(tmp_path), "--no-cache", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []
    main(["check", str(tmp_path), "--no-cache", "--format", "json", "--min-confidence", "low"])
    (finding,) = json.loads(capsys.readouterr().out)["findings"]
    assert finding["confidence"] == "low" and "debug" in finding["confidence_reason"]
    assert "low confidence" in finding["message"]
    main(["check", str(tmp_path), "--no-cache", "--format", "sarif", "--min-confidence", "low"])
    (result,) = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert result["properties"]["confidence"] == "low"
    with pytest.raises(SystemExit):
        main(["check", str(tmp_path), "--min-confidence", "sure"])


def test_one_file_copied_is_bounded_file_io_reported_on_the_event_loop_only(tmp_path: Path) -> None:
    copy = "shutil.copyfileobj(upload, open('/srv/up', 'wb'))"
    assert _findings(tmp_path, f"@app.post('/x')\ndef handler(upload: bytes):\n    {copy}\n    return 1\n") == []
    found = _findings(tmp_path, f"@app.post('/x')\nasync def handler(upload: bytes):\n    {copy}\n    return 1\n")
    assert ("GAL104", 3, "high") in found


def test_a_singleton_assigned_through_global_is_built_once(tmp_path: Path) -> None:
    source = ("def client():\n    global _CLIENT\n    if _CLIENT is None:\n        shutil.copytree('/opt/t', '/srv/t')\n"
              "        _CLIENT = 1\n    return _CLIENT\n\n\n@app.post('/x')\ndef handler():\n    return client()\n")
    assert _findings(tmp_path, source) == []
    assert _findings(tmp_path, source, "low") == [("GAL104", 11, "low")]


def test_one_folder_listed_by_a_pattern_is_file_io_as_pathlib_glob_is(tmp_path: Path) -> None:
    source = "@app.get('/x')\n{}def handler(path: str):\n    import glob\n    return glob.glob(path + '/*.json')\n"
    assert _findings(tmp_path, source.format("")) == []
    assert _findings(tmp_path, source.format("async ")) == [("GAL109", 4, "high")]

"""`report merge` through the CLI: an input of another tool version, of another tool, missing a
field its kind always has, or with a field of the wrong type is refused with exit 2 and one line
naming the file; never merged into a plausible summary, never a traceback.

The matrix runs the CLI's `main(argv)` in this process (fast); the cases marked `real` run it as
its own process, as CI does."""
from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from conftest import REPO
from greenit_async_lint import __version__
from greenit_async_lint.cli import main

DATA = REPO / "tests" / "reporting" / "data"
TIMEOUT_S = 60


def load(name: str) -> dict[str, Any]:
    report = json.loads((DATA / name).read_text("utf-8"))
    report["tool"] = {"name": "greenit-async-lint", "version": __version__}  # the data outlives version bumps
    return report


def merge(tmp_path: Path, *reports: Any, raw: bytes | None = None, real: bool = False
          ) -> subprocess.CompletedProcess[str]:
    paths = []
    for i, report in enumerate(reports):
        path = tmp_path / f"input{i}.json"
        path.write_text(json.dumps(report))
        paths.append(str(path))
    if raw is not None:
        (tmp_path / "raw.json").write_bytes(raw)
        paths.append(str(tmp_path / "raw.json"))
    return cli(tmp_path, *paths, real=real)


def cli(cwd: Path, *args: str, real: bool = False) -> subprocess.CompletedProcess[str]:
    argv = ["report", "merge", *args]
    if real:
        return subprocess.run([sys.executable, "-m", "greenit_async_lint", *argv], cwd=cwd,
                              capture_output=True, text=True, timeout=TIMEOUT_S)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def assert_refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("greenit-async-lint report merge: "), result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


def edited(report: dict[str, Any], change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    report = copy.deepcopy(report)
    change(report)
    return report


def test_reports_of_this_version_merge(tmp_path: Path) -> None:
    result = merge(tmp_path, load("static_report.json"), load("runtime_report.json"), real=True)
    assert result.returncode == 0, result.stderr
    merged = json.loads(result.stdout)
    assert merged["kind"] == "merged" and merged["tool"]["version"] == __version__


def test_a_merged_report_merges_again(tmp_path: Path) -> None:
    first = merge(tmp_path, load("static_report.json"), load("runtime_report.json"))
    (tmp_path / "again").mkdir()
    again = merge(tmp_path / "again", json.loads(first.stdout), load("static_report.json"))
    assert again.returncode == 0, again.stderr


def test_a_patch_release_of_the_same_series_is_accepted(tmp_path: Path) -> None:
    major, minor = __version__.split(".")[:2]
    report = edited(load("static_report.json"), lambda r: r["tool"].update(version=f"{major}.{minor}.99"))
    assert merge(tmp_path, report).returncode == 0


@pytest.mark.parametrize("version, real", [("99.0.0", True), ("0.0.1", False), ("", False), ("not-a-version", False)])
def test_another_tool_version_is_refused(tmp_path: Path, version: str, real: bool) -> None:
    report = edited(load("static_report.json"), lambda r: r["tool"].update(version=version))
    assert_refused(merge(tmp_path, load("runtime_report.json"), report, real=real), "input1.json",
                   "merge with the version")


@pytest.mark.parametrize("tool", [{"name": "flake8", "version": __version__}, {"name": "greenit-async-lint"},
                                  "greenit-async-lint", None])
def test_another_tool_is_refused(tmp_path: Path, tool: object) -> None:
    report = edited(load("static_report.json"), lambda r: r.update(tool=tool))
    assert_refused(merge(tmp_path, report), "input0.json")


@pytest.mark.parametrize("name, field", [
    ("static_report.json", "tool"), ("static_report.json", "findings"), ("static_report.json", "handlers"),
    ("static_report.json", "summary"), ("static_report.json", "kind"),
    ("runtime_report.json", "routes"), ("runtime_report.json", "findings"),
])
def test_a_report_missing_a_field_of_its_kind_is_refused(tmp_path: Path, name: str, field: str) -> None:
    report = edited(load(name), lambda r: r.pop(field))
    assert_refused(merge(tmp_path, report), "input0.json", field)


@pytest.mark.parametrize("change, words", [
    (lambda r: r["findings"][0].update(line="12"), ("findings[0]", "line")),
    (lambda r: r["findings"][0].pop("path"), ("findings[0]", "path")),
    (lambda r: r["findings"][0].update(severity="fatal"), ("severity 'fatal'",)),
    (lambda r: r.update(summary=[]), ("summary",)),
    (lambda r: r.update(handlers={}), ("handlers",)),
    (lambda r: r["handlers"][0].update(qualname=3), ("handlers[0]",)),
    (lambda r: r.update(version=2), ("version 2",)),
])
def test_a_static_report_with_a_wrong_shape_is_refused(tmp_path: Path, change, words) -> None:
    assert_refused(merge(tmp_path, edited(load("static_report.json"), change)), "input0.json", *words)


@pytest.mark.parametrize("key, field, value", [
    ("findings", "count", "many"), ("findings", "count", 2.5), ("findings", "max_wait_s", "71 s"),
    ("findings", "handler", 3), ("findings", "leaf", "subprocess.run"), ("findings", "severity", "slow"),
    ("routes", "count", "240"), ("routes", "max_wait_s", [71.2]), ("routes", "histogram", [1, 2]),
    ("routes", "histogram", {"1": "many"}), ("routes", "route", 7),
])
def test_a_runtime_report_with_a_field_of_the_wrong_type_is_refused(tmp_path: Path, key: str, field: str,
                                                                   value: object) -> None:
    """A count of "many" used to be read as 1: a plausible, wrong merged summary."""
    report = edited(load("runtime_report.json"), lambda r: r[key][0].update({field: value}))
    assert_refused(merge(tmp_path, load("static_report.json"), report), "input1.json", field)


@pytest.mark.parametrize("raw, words, real", [
    (b"[" * 100_000 + b"]" * 100_000, ("nested deeper",), True),
    (b'{"version": 1,', ("is not JSON",), False),
    (b"\xff\xfe\x00garbage", ("not UTF-8",), False),
    (b"[]", ("JSON object",), False),
])
def test_a_file_that_is_not_a_report_is_refused(tmp_path: Path, raw: bytes, words, real: bool) -> None:
    assert_refused(merge(tmp_path, raw=raw, real=real), "raw.json", *words)


def test_a_fifo_a_directory_and_a_missing_file_are_refused_without_blocking(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    os.mkfifo(tmp_path / "fifo.json")
    (tmp_path / "folder.json").mkdir()
    for name in ("fifo.json", "folder.json", "missing.json"):
        assert_refused(cli(tmp_path, str(tmp_path / name), real=name == "fifo.json"), name)


def test_a_wrong_field_through_the_real_cli(tmp_path: Path) -> None:
    runtime = edited(load("runtime_report.json"), lambda r: r["routes"][0].update(count="240"))
    assert_refused(merge(tmp_path, load("static_report.json"), runtime, real=True), "input1.json", "count")
    static = edited(load("static_report.json"), lambda r: r.pop("handlers"))
    assert_refused(merge(tmp_path, static, real=True), "input0.json", "handlers")

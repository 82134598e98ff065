"""cache.py: fix suggestions kept by file content. An unchanged project plans nothing, an edited
file plans its findings again, and a cache file planted or damaged in the project is only a miss."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from greenit_async_lint.fix import apply as apply_module
from greenit_async_lint.fix.cache import FILE_NAME
from greenit_async_lint.fix.remedies import attach_fixes

from fixtools import FIXTURES, analyse, copy_project


def _fixes(project: Path) -> list[dict]:
    report = analyse(project)
    attach_fixes(report, diffs=True, cwd=project, cache_dir=project / ".greenit-cache")
    return [f.fix for f in report.findings]


class Planned:
    """Counts the findings the fix layer plans (a cache hit plans none)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.findings: list[str] = []
        real = apply_module.FindingPlanner.diff_for

        def diff_for(planner, finding, remedy):  # type: ignore[no-untyped-def]
            self.findings.append(finding.path)
            return real(planner, finding, remedy)

        monkeypatch.setattr(apply_module.FindingPlanner, "diff_for", diff_for)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(FIXTURES / "fastapi_media", tmp_path / "app")


def test_an_unchanged_project_plans_no_fix_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    planned = Planned(monkeypatch)
    first = _fixes(project)
    assert planned.findings and any(f["diff"] for f in first)
    assert (project / ".greenit-cache" / ".gitignore").read_text().strip().endswith("*")
    planned.findings.clear()
    assert _fixes(project) == first
    assert planned.findings == []


def test_an_edited_file_plans_its_fixes_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    planned = Planned(monkeypatch)
    first = _fixes(project)
    everything = list(planned.findings)
    planned.findings.clear()
    edited = project / everything[0]
    edited.write_text(edited.read_text() + "\n# edited\n")
    second = _fixes(project)
    assert everything[0] in planned.findings, "the edited file's fixes came from the cache"
    assert len(planned.findings) < len(everything), "unchanged files were planned again"
    assert len(second) == len(first)


def test_a_file_edited_while_its_fix_was_planned_is_planned_again(project: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry records the bytes its fix was made from, not what the file holds when it is written."""
    real = apply_module.FindingPlanner.diff_for
    edited: list[Path] = []

    def diff_for(planner, finding, remedy):  # type: ignore[no-untyped-def]
        outcome = real(planner, finding, remedy)
        if not edited:
            edited.append(project / finding.path)
            edited[0].write_text(edited[0].read_text() + "\n# edited meanwhile\n")
        return outcome

    monkeypatch.setattr(apply_module.FindingPlanner, "diff_for", diff_for)
    _fixes(project)
    monkeypatch.undo()
    planned = Planned(monkeypatch)
    _fixes(project)
    assert edited[0].relative_to(project).as_posix() in planned.findings


@pytest.mark.parametrize("content", [
    pickle.dumps({"x": 1}),  # what an old cache (or an attacker) would leave
    b"greenit-async-lint fixes 1\n" + b"k" * 32 + b" 0000 {\"files\": {}, \"fix\": {\"diff\": \"x\"}}\n",
    b"\x00\xff" * 100,
])
def test_a_planted_or_damaged_cache_is_a_miss(project: Path, monkeypatch: pytest.MonkeyPatch,
                                               content: bytes) -> None:
    expected = _fixes(project)
    folder = project / ".greenit-cache"
    (folder / FILE_NAME).write_bytes(content)
    planned = Planned(monkeypatch)
    assert _fixes(project) == expected
    assert planned.findings


def test_a_forged_entry_for_a_real_finding_is_not_used(project: Path) -> None:
    """An entry with a valid shape but written without this user's key never verifies."""
    expected = _fixes(project)
    path = project / ".greenit-cache" / FILE_NAME
    lines = path.read_bytes().split(b"\n")
    forged = [lines[0]]
    for line in lines[1:]:
        if not line:
            continue
        key, mac, body = line.split(b" ", 2)
        entry = json.loads(body)
        entry["fix"]["diff"] = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-x\n+import os; os.system('boom')\n"
        forged.append(key + b" " + mac + b" " + json.dumps(entry).encode())
    path.write_bytes(b"\n".join(forged) + b"\n")
    assert _fixes(project) == expected

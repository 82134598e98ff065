"""rebase.py and the fix cache: after an edit the analysis does not read (a comment), a fix whose
diff does not show the edit is kept, not planned again, and is the fix a new plan makes; an edit in
a diff's text, after a hunk that ended the file, or in code plans the fix again."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from greenit_async_lint.fix.changes import unified_diff
from greenit_async_lint.fix.rebase import still_applies

from fixtools import FIXTURES, copy_project

OLD = "".join(f"line {i}\n" for i in range(1, 21))


class _Source:
    display = "pkg/mod.py"
    exists = True

    def __init__(self, text: str) -> None:
        self.original = text


def _diff(old: str, new: str) -> str:
    return unified_diff(_Source(old), new)  # type: ignore[arg-type]


def _edit(text: str, number: int, to: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[number - 1] = to
    return "".join(lines)


DIFF = _diff(OLD, _edit(OLD, 10, "line ten\n"))  # one hunk, old lines 7-13


@pytest.mark.parametrize("line", [1, 6, 14, 20])
def test_an_edit_outside_the_hunks_keeps_the_diff(line: int) -> None:
    assert still_applies(DIFF, "pkg/mod.py", _edit(OLD, line, f"line {line}  # a comment\n"))


@pytest.mark.parametrize("line", [7, 10, 13])
def test_an_edit_in_a_hunk_plans_again(line: int) -> None:
    assert not still_applies(DIFF, "pkg/mod.py", _edit(OLD, line, f"line {line}  # a comment\n"))


def test_lines_added_after_a_hunk_that_ended_the_file_plan_again() -> None:
    at_end = _diff(OLD, _edit(OLD, 19, "line nineteen\n"))  # trailing context: line 20 alone
    assert still_applies(at_end, "pkg/mod.py", OLD)
    assert not still_applies(at_end, "pkg/mod.py", OLD + "# appended\n")
    assert still_applies(DIFF, "pkg/mod.py", OLD + "# appended\n")  # three lines of context: not its end


def test_a_file_without_its_last_newline() -> None:
    old = OLD[:-1]
    diff = _diff(old, _edit(old, 19, "line nineteen\n"))
    assert "\\ No newline at end of file" in diff
    assert still_applies(diff, "pkg/mod.py", old)
    assert not still_applies(diff, "pkg/mod.py", old + "\n")
    assert not still_applies(diff, "pkg/mod.py", old + "  # comment")


def test_other_files_and_no_diff() -> None:
    assert still_applies(None, "pkg/mod.py", "anything\n")
    assert still_applies(DIFF, "pkg/other.py", "anything\n")  # the diff does not change that file
    assert not still_applies("garbage\n", "pkg/mod.py", OLD)


CHECK = """
import sys
from greenit_async_lint.fix import fixer, parallel
planned = []
real_fixer, real_all = fixer.Fixer.plan, parallel.plan_all
def by_fixer(self, pending, *a, **k):
    planned.append(len(pending)); return real_fixer(self, pending, *a, **k)
def in_process(make, pending, *a, **k):
    planned.append(len(pending)); return real_all(make, pending, *a, **k)
fixer.Fixer.plan, parallel.plan_all = by_fixer, in_process
from greenit_async_lint.cli import main
try:
    main(["check", "--format", "json=report.json", "--allow-empty", "."])
except SystemExit:
    pass
print(sum(planned))
"""


def _check(app: Path) -> tuple[int, list[object]]:
    done = subprocess.run([sys.executable, "-c", CHECK], cwd=app, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    findings = json.loads((app / "report.json").read_text())["findings"]
    return int(done.stdout.split()[-1]), [(f["path"], f["line"], f["code"], f["fix"]) for f in findings]


@pytest.mark.parametrize("edit, planned_again", [
    ("\n# a comment appended\n", False),
    ("\n\ndef added():\n    return 1\n", True),
])
def test_after_an_edit_the_fixes_are_the_ones_a_new_plan_makes(tmp_path: Path, edit: str, planned_again: bool) -> None:
    app = copy_project(FIXTURES / "fastapi_media", tmp_path / "app")
    planned, before = _check(app)
    assert planned > 0
    edited = app / "media" / "routers" / "accounts.py"
    assert any(path == "media/routers/accounts.py" and fix["diff"] for path, _, _, fix in before)  # type: ignore[index]
    edited.write_text(edited.read_text() + edit)
    planned, after = _check(app)
    assert (planned > 0) == planned_again
    for cache in app.rglob("fixes*"):
        cache.unlink()  # every fix planned anew
    _, fresh = _check(app)
    assert after == fresh
    if not planned_again:
        assert _check(app)[0] == 0  # kept under the new contents: found again as they are

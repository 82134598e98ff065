"""Diffs count lines as Python and patch do: a form feed (a page break in older code) or another
separator str.splitlines knows is inside a line, not the end of one."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from greenit_async_lint.fix.changes import unified_diff
from greenit_async_lint.fix.rebase import still_applies

OLD = "import time\n\x0c\nx = 1\x1c2\ntime.sleep(5)\n"
NEW = "import asyncio\n\x0c\nx = 1\x1c2\nawait asyncio.sleep(5)\n"


class _Source:
    display = "mod.py"
    exists = True
    original = OLD


def _diff() -> str:
    return unified_diff(_Source(), NEW)  # type: ignore[arg-type]


def test_a_form_feed_is_inside_its_line() -> None:
    diff = _diff()
    assert "No newline at end of file" not in diff
    header = re.search(r"@@ -1,(\d+) \+1,(\d+) @@", diff)
    assert header is not None and header.groups() == ("4", "4")  # four lines each side, as Python counts
    body = diff.split("@@\n", 1)[1]
    assert body.count("\n") == 6  # 2 context lines, 2 removed, 2 added
    assert still_applies(diff, "mod.py", OLD)
    assert not still_applies(diff, "mod.py", OLD.replace("x = 1", "x = 3"))


@pytest.mark.skipif(shutil.which("git") is None, reason="git applies the diff where it is installed")
def test_git_applies_it(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(OLD, newline="")
    (tmp_path / "fix.diff").write_text(_diff(), newline="")
    done = subprocess.run(["git", "apply", "fix.diff"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "mod.py").read_bytes().decode() == NEW

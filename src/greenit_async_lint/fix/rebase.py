"""Whether a cached diff still is the diff of a file edited where no fix reads it.

The fix cache keys a fix by the contents of the files its plan read: any edit plans it again,
which costs libcst's import and a parse. When the analysis proved an edited file unchanged for it
(analysis/cutoff.py: a comment, the words of a docstring; every statement where it was), the plan
reads the same code, and the diff a new plan would make differs from the old one only if the edit
is in the text the diff shows. So the old diff is kept when every hunk's old side (its context and
removed lines) is still, line for line, what the file holds at that place, and a hunk whose
trailing context stops short of three lines (the file ended there) still ends the file: lines
added after it would become that context.
"""
from __future__ import annotations

import re
from typing import Optional

from .slices import split_lines

_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")
_CONTEXT = 3  # difflib.unified_diff's default, as changes.unified_diff makes them
_NO_NEWLINE = "\\ No newline at end of file\n"


def still_applies(diff: Optional[str], display: str, text: str) -> bool:
    """Whether `diff` (a fix's, for every file it changes) shows `display`'s part as a new plan on
    `text` (the file as it is now) would: see the module docstring."""
    if not diff:
        return True
    hunks = _hunks(diff, f"a/{display}")
    if hunks is None:
        return False
    lines = split_lines(text)  # as changes.unified_diff splits the file
    for start, old, trailing in hunks:
        at = max(start - 1, 0)
        if lines[at:at + len(old)] != old:
            return False
        if trailing < _CONTEXT and len(lines) != at + len(old):
            return False
    return True


def _hunks(diff: str, old_name: str) -> Optional[list[tuple[int, list[str], int]]]:
    """The hunks of `old_name`'s section: (first old line, old side, trailing context lines);
    [] when the diff does not change that file; None when the diff cannot be read."""
    lines = split_lines(diff)
    hunks: list[tuple[int, list[str], int]] = []
    mine = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            mine = line[4:].rstrip("\r\n") == old_name
            i += 2
            continue
        match = _HUNK.match(line)
        if match is None:
            return None
        start, count = int(match.group(1)), int(match.group(2) or 1)
        i += 1
        old: list[str] = []
        trailing = 0
        previous = ""
        while i < len(lines) and not lines[i].startswith(("@@", "--- ")):
            body = lines[i]
            i += 1
            if body == _NO_NEWLINE:  # the line before it lacks its end of line (changes.unified_diff)
                if previous in (" ", "-"):
                    old[-1] = old[-1][:-1]
                continue
            previous = body[:1]
            if previous in (" ", "-"):
                old.append(body[1:])
                trailing = trailing + 1 if previous == " " else 0
            elif previous == "+":
                trailing = 0
            else:
                return None
        if len(old) != count:
            return None
        if mine:
            hunks.append((start, old, trailing))
    return hunks

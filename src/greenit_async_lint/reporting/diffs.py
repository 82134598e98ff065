"""Unified diffs as line replacements, for the SARIF `fixes` of findings that carry a diff.

SARIF describes a fix as regions to delete and text to insert, not as a diff. A hunk maps to one
replacement: delete its old lines (whole lines, from column 1 of the first to column 1 of the line
after the last) and insert its new lines. Only what the fix engine writes is supported: plain
`--- a/x` / `+++ b/x` file headers and `@@ -a,b +c,d @@` hunks; anything else raises ValueError,
and the SARIF renderer then leaves that fix out rather than emitting a wrong one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass
class Hunk:
    old_start: int
    old_count: int
    new_lines: list[str] = field(default_factory=list)

    def deleted_region(self) -> dict[str, int]:
        """The whole old lines as a SARIF region; an empty region before the next line for a
        pure insertion (a unified diff then names the line *after which* text is inserted)."""
        if self.old_count == 0:
            line = self.old_start + 1
            return {"startLine": line, "startColumn": 1, "endLine": line, "endColumn": 1}
        return {
            "startLine": self.old_start, "startColumn": 1,
            "endLine": self.old_start + self.old_count, "endColumn": 1,
        }

    def inserted_text(self) -> str:
        return "".join(line + "\n" for line in self.new_lines)


@dataclass
class FileDiff:
    path: str
    hunks: list[Hunk] = field(default_factory=list)


def parse_unified_diff(text: str) -> list[FileDiff]:
    files: list[FileDiff] = []
    current: FileDiff | None = None
    hunk: Hunk | None = None
    old_left = new_left = 0
    for raw in text.splitlines():
        if old_left == 0 and new_left == 0 and raw.startswith("--- "):
            continue
        if old_left == 0 and new_left == 0 and raw.startswith("+++ "):
            current = FileDiff(_strip_prefix(raw[4:]))
            files.append(current)
            continue
        match = _HUNK.match(raw)
        if match and old_left == 0 and new_left == 0:
            if current is None:
                raise ValueError("hunk before any +++ file header")
            old_start, old_count, _, new_count = (int(g) if g is not None else 1 for g in match.groups())
            hunk = Hunk(old_start, old_count)
            current.hunks.append(hunk)
            old_left, new_left = old_count, new_count
            continue
        if raw.startswith("\\"):
            continue  # "\ No newline at end of file"
        if hunk is None or (old_left == 0 and new_left == 0):
            if raw.strip():
                raise ValueError(f"unexpected diff line: {raw[:60]!r}")
            continue
        tag, body = raw[:1] or " ", raw[1:]
        if tag == " ":
            hunk.new_lines.append(body)
            old_left, new_left = old_left - 1, new_left - 1
        elif tag == "-":
            old_left -= 1
        elif tag == "+":
            hunk.new_lines.append(body)
            new_left -= 1
        else:
            raise ValueError(f"unexpected diff line: {raw[:60]!r}")
        if old_left < 0 or new_left < 0:
            raise ValueError("hunk is longer than its header says")
    if old_left or new_left:
        raise ValueError("diff ends inside a hunk")
    return files


def _strip_prefix(name: str) -> str:
    name = name.split("\t", 1)[0].strip()
    return name[2:] if name.startswith(("a/", "b/")) else name

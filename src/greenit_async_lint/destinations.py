"""Where each report of a run goes: `--format F`, `--format F=FILE`, `-o/--output FILE`, paired as
a user means them, checked before the analysis starts, and written atomically with the umask.

Pairing: `F=FILE` is explicit; an `--output` goes with the nearest `--format` before it that has
no file yet; an `--output` given before any format goes with the one format of the run (or with
the default text report when there is none). Anything else is ambiguous and an error, as are two
reports on standard output (they would be concatenated) or two reports in one file.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, Optional

from .formats import NAMES
from .reporting.writefile import device_or_pipe, write_text


class UsageError(Exception):
    """A command line that cannot be carried out as written; the CLI exits 2 with the message."""


class ReportAction(argparse.Action):
    """Records `--format` and `--output` in the order given, for `pair` to read."""

    def __call__(self, _parser: Any, namespace: argparse.Namespace, values: Any, option_string: Any = None) -> None:
        events = list(getattr(namespace, "report_events", None) or [])
        events.append(("format" if option_string == "--format" else "output", values))
        namespace.report_events = events


def pair(events: list[tuple[str, str]]) -> list[tuple[str, Optional[str]]]:
    """(format, file or None for standard output) for every report the command line asks for."""
    reports: list[list[Any]] = []  # [format, file or None, file given with '=']
    loose: list[str] = []
    for kind, value in events:
        if kind == "format":
            name, sep, target = value.partition("=")
            name = name.strip().lower()
            if name not in NAMES:
                raise UsageError(f"--format {value}: unknown format {name!r} (choose from {', '.join(NAMES)})")
            if sep and not target:
                raise UsageError(f"--format {value}: name a file after '='")
            reports.append([name, target or None, bool(sep)])
        else:
            open_ = [r for r in reports if r[1] is None]
            if open_ and not open_[-1][2] and reports[-1] is open_[-1]:
                open_[-1][1] = value
            else:
                loose.append(value)
    if loose:
        open_ = [r for r in reports if r[1] is None]
        if not reports and len(loose) == 1:
            reports.append(["text", loose[0], False])
        elif len(loose) == 1 and len(open_) == 1 and len(reports) == 1:
            open_[0][1] = loose[0]
        else:
            raise UsageError(f"--output {loose[0]}: which --format does it go with? write --format FORMAT={loose[0]}")
    if not reports:
        reports.append(["text", None, False])
    for report in reports:
        if report[1] == "-":  # `-o -`, `--format json=-`: standard output, as for report merge
            report[1] = None
    on_stdout = [r[0] for r in reports if r[1] is None]
    if len(on_stdout) > 1:
        raise UsageError(f"--format {on_stdout[0]} and --format {on_stdout[1]} would both go to standard output, "
                         f"one after the other; give all but one a file (--format {on_stdout[1]}=FILE)")
    files = [os.path.normpath(r[1]) for r in reports if r[1] is not None]
    for i, name in enumerate(files):
        if name in files[:i]:
            raise UsageError(f"two reports would be written to {name}; give each its own file")
    return [(r[0], r[1]) for r in reports]


def preflight(targets: list[tuple[str, Optional[str]]]) -> None:
    """Refuse, before a long analysis, a destination that is a folder or cannot be written."""
    for _fmt, target in targets:
        if target is None or target == "-":
            continue
        path = Path(target)
        if path.is_dir():
            raise UsageError(f"--output {target} is a folder; name a file in it")
        if device_or_pipe(path):
            if not os.access(path, os.W_OK):
                raise UsageError(f"--output {target}: it is not writable")
            continue
        folder = next((p for p in (path.parent, *path.parent.parents) if p.exists()), Path("."))
        if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
            raise UsageError(f"--output {target}: cannot write in {folder}")
        if path.exists() and not os.access(path, os.W_OK):
            raise UsageError(f"--output {target}: the file is not writable")


def write(target: str, content: str) -> None:
    """Write a report (reporting/writefile.py: atomically, a device or a named pipe in place)."""
    path = Path(target)
    if path.is_dir():
        raise UsageError(f"--output {target} is a folder; name a file in it")
    try:
        write_text(path, content)
    except OSError as exc:
        raise UsageError(f"--output {target}: cannot write the report: {exc.strerror or exc}") from None

"""Remedies and codemods: a fix for every finding, and `greenit-async-lint fix` to apply them.

- `remedies.attach_fixes(report, diffs=False)`: sets `finding.fix` (pattern, safety, title,
  description, diff) from `rules/remedies.yaml`, by the project's task queue and framework.
- `queues`: which task queue a project uses (imports and dependency files).
- `codemods`: one libcst codemod per module; `source` parses each file once (`slices`: only the
  functions the fixes touch), `changes` applies their edits in one pass per file; `cache` keeps
  fix suggestions by file content.
- `apply`: plans and writes the fixes of a report; `cli`: the `fix` command.
"""
from __future__ import annotations

from typing import Any

__all__ = ["attach_fixes"]


def __getattr__(name: str) -> Any:
    # Not imported with the package: a check imports fix.cache, fix.fixer and fix.preload while it
    # starts, and the remedies (their catalogue and templates) once its workers take files (preload.py).
    if name == "attach_fixes":
        from .remedies import attach_fixes
        return attach_fixes
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

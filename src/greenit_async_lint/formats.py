"""Rendering a report in any registered format (reporting/formats.py declares each one once).

The checker's own formats are rendered here — `text` by output.py, `json` as the report contract —
and every other one by the reporting package, which also turns a runtime-hook report into the
common shape first.
"""
from __future__ import annotations

import json
from typing import Any

from .reporting.formats import BY_NAME, NAMES, REGISTRY, OutputFormat

__all__ = ["BY_NAME", "NAMES", "REGISTRY", "OutputFormat", "carries_fixes", "render", "render_json"]


def render_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render(name: str, data: dict[str, Any]) -> str:
    """The report in format `name`; ValueError names the known formats otherwise."""
    fmt = BY_NAME.get(name)
    if fmt is None:
        raise ValueError(f"unknown report format {name!r}; choose from {', '.join(NAMES)}")
    if name == "text":
        from .output import text
        return text(data)
    if name == "json":
        return render_json(data)
    from .reporting import render as render_report  # handles runtime-hook reports too
    return render_report(data, name)


def carries_fixes(names: set[str]) -> bool:
    return any(BY_NAME[name].carries_fixes for name in names if name in BY_NAME)

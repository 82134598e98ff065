"""Checks that a loaded JSON document is a report this package can render or merge.

Reports come from other machines (CI shards, services, the runtime hook), so the merge command
must say clearly which file is wrong and why, instead of failing deep inside a renderer. Only
what the renderers rely on is checked; unknown extra fields are allowed (newer tools add some).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .model import SEVERITIES

KINDS = ("static", "runtime", "merged")
RUNTIME_SEVERITIES = ("violation", "warning", "loop-stall")


class ReportError(ValueError):
    """A document is not a valid greenit-async-lint report."""


def validate_report(document: Any, label: str = "report") -> dict[str, Any]:
    """Return the document when it is a valid report, else raise ReportError naming `label`."""
    if not isinstance(document, dict):
        raise ReportError(f"{label}: a report is a JSON object, not {type(document).__name__}")
    if document.get("version") != 1:
        raise ReportError(f"{label}: unsupported report version {document.get('version')!r} (expected 1)")
    kind = document.get("kind", "static")
    if kind not in KINDS:
        raise ReportError(f"{label}: unknown report kind {kind!r} (expected one of {', '.join(KINDS)})")
    for key in ("findings", "handlers", "routes"):
        value = document.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise ReportError(f"{label}: '{key}' must be a list of objects")
    for key in ("rules", "config", "summary", "tool"):
        if not isinstance(document.get(key, {}), (dict, type(None))):
            raise ReportError(f"{label}: '{key}' must be an object")
    for index, finding in enumerate(document.get("findings", [])):
        _check_finding(finding, f"{label}: findings[{index}]", runtime=kind == "runtime")
    for index, handler in enumerate(document.get("handlers", [])):
        if not isinstance(handler.get("qualname"), str) or not isinstance(handler.get("path"), str):
            raise ReportError(f"{label}: handlers[{index}] needs a string 'path' and 'qualname'")
    return document


def _check_finding(finding: Mapping[str, Any], where: str, runtime: bool) -> None:
    severity = finding.get("severity")
    allowed = RUNTIME_SEVERITIES if runtime else SEVERITIES
    if severity not in allowed:
        raise ReportError(f"{where}: severity {severity!r} is not one of {', '.join(allowed)}")
    handler = finding.get("handler")
    if handler is not None and not (
        isinstance(handler, Mapping) and isinstance(handler.get("qualname"), str)
    ):
        raise ReportError(f"{where}: 'handler' must be null or an object with a 'qualname'")
    if runtime:
        return  # a runtime finding may have no handler: a route the hook could not resolve
    if not isinstance(finding.get("code"), str) or not finding["code"]:
        raise ReportError(f"{where}: missing finding 'code'")
    if not isinstance(finding.get("chain", []), list):
        raise ReportError(f"{where}: 'chain' must be a list")

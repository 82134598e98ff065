"""Checks that a loaded JSON document is a report this package can render or merge.

Reports come from other machines (CI shards, services, the runtime hook), so the merge command
must say clearly which file is wrong and why, instead of failing deep inside a renderer. Only
what the renderers rely on is checked; unknown extra fields are allowed (newer tools add some).

`validate_input` is stricter, for the files `report merge` is given: every field the report's kind
always has must be there, and the report must come from a version of this tool whose reports this
one reads, so that a report of another tool version or a truncated one is refused (exit 2) instead
of merged into a plausible-looking summary.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import __version__
from .model import SEVERITIES

TOOL = "greenit-async-lint"
# The fields each kind of report always has (output.to_dict, runtime.merge, merge_reports).
REQUIRED = {
    "static": ("kind", "tool", "summary", "handlers", "findings"),
    "runtime": ("kind", "tool", "findings", "routes"),
    "merged": ("kind", "tool", "summary", "handlers", "findings", "merged_from"),
}

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


def validate_input(document: Any, label: str, version: str = __version__) -> dict[str, Any]:
    """A report file given to `report merge`: valid, complete for its kind, and of a tool version
    this one reads (the same major.minor: 0.x minor versions may change what a field means)."""
    validate_report(document, label)
    kind = document.get("kind", "static")
    missing = [key for key in REQUIRED[kind] if key not in document]
    if missing:
        raise ReportError(f"{label}: not a complete {kind} report, missing {', '.join(missing)}")
    tool = document["tool"]
    if not isinstance(tool, Mapping) or tool.get("name") != TOOL or not isinstance(tool.get("version"), str):
        raise ReportError(f"{label}: not written by {TOOL} (tool is {_short(tool)})")
    if _series(tool["version"]) != _series(version):
        raise ReportError(f"{label}: written by {TOOL} {tool['version']}, and this {TOOL} {version} merges "
                          f"reports of version {'.'.join(map(str, _series(version) or ()))}.x only: "
                          "merge with the version that wrote it")
    if not isinstance(document.get("summary", {}), dict):
        raise ReportError(f"{label}: 'summary' must be an object")
    if kind == "runtime":
        _check_measurements(document, label)
    else:
        for index, finding in enumerate(document["findings"]):
            if not (isinstance(finding.get("path"), str) and type(finding.get("line")) is int
                    and isinstance(finding.get("message"), str)):
                raise ReportError(f"{label}: findings[{index}] needs a string 'path' and 'message' "
                                  "and an integer 'line'")
    return document


# A runtime report's measured fields and their types; a wrong one would otherwise be read as a
# default (a count of "many" as 1) and give a plausible, wrong summary.
_NUMBER = ((int, float), "a number")
_MEASURED: dict[str, tuple[Any, str]] = {
    "count": (int, "an integer"), "max_wait_s": _NUMBER, "max_wait_ms": _NUMBER, "threshold_s": _NUMBER,
    "handler": (dict, "an object"), "leaf": (dict, "an object"),
    "route": (str, "a string"), "method": (str, "a string"),
}


def _check_measurements(document: Mapping[str, Any], label: str) -> None:
    for key in ("findings", "routes"):
        for index, item in enumerate(document[key]):
            for field, (types, name) in _MEASURED.items():
                value = item.get(field)
                if value is not None and (not isinstance(value, types) or isinstance(value, bool)):
                    raise ReportError(f"{label}: {key}[{index}].{field} is {_short(value)}, not {name}")
            histogram = item.get("histogram")
            if histogram is not None and not (isinstance(histogram, dict)
                                              and all(type(n) is int for n in histogram.values())):
                raise ReportError(f"{label}: {key}[{index}].histogram must map buckets to integer counts")


def _series(version: str) -> tuple[int, int] | None:
    parts = version.split(".")
    if len(parts) < 2 or not (parts[0].isdigit() and parts[1].isdigit()):
        return None
    return int(parts[0]), int(parts[1])


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."

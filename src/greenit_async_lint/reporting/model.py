"""Read-only accessors over the JSON report contract, shared by every output format.

The report is a plain dict (see docs/ci.md and the checker's JSON output). Renderers never index
it directly for optional fields: they go through these helpers, so that a report from an older
tool, a runtime hook or a merge with a few fields missing still renders instead of crashing.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

Report = Mapping[str, Any]
Finding = Mapping[str, Any]
Handler = Mapping[str, Any]
HandlerKey = tuple[str, str]

VIOLATION: Final = "violation"
WARNING: Final = "warning"
ERROR: Final = "error"
SEVERITIES: Final = (VIOLATION, WARNING, ERROR)

#: Handler verdicts, worst first.
VERDICTS: Final = ("heavy", "blocking", "clean")

#: Gate modes accepted by `fail_on`: which severities break the build.
FAIL_ON: Final[dict[str, tuple[str, ...]]] = {
    VIOLATION: (VIOLATION,),
    WARNING: (VIOLATION, WARNING),
}


def norm_path(path: object) -> str:
    """A path as reports compare it: POSIX separators, no leading `./`."""
    text = str(path or "").replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    return text


def handler_key(handler: Mapping[str, Any] | None) -> HandlerKey | None:
    """Identity of a handler across reports and runs: (path, qualname), never the line."""
    if not handler:
        return None
    return (norm_path(handler.get("path")), str(handler.get("qualname") or ""))


def mapping(value: object) -> Mapping[str, Any]:
    """`value` when it is an object, else an empty one: optional sub-objects read safely."""
    return value if isinstance(value, Mapping) else {}


def findings(report: Report) -> list[Finding]:
    return [f for f in report.get("findings") or [] if isinstance(f, Mapping)]


def handlers(report: Report) -> list[Handler]:
    return [h for h in report.get("handlers") or [] if isinstance(h, Mapping)]


def is_baselined(finding: Finding) -> bool:
    return bool(finding.get("baselined"))


def active(items: Iterable[Finding]) -> list[Finding]:
    """Findings that still count: not accepted in a baseline."""
    return [f for f in items if not is_baselined(f)]


def source(finding: Finding) -> str:
    return str(finding.get("source") or "static")


def confidence_flag(finding: Finding) -> str:
    """` (medium confidence)` for a finding the analysis is less than sure of (its message says
    why); nothing for a high one, or one from a report that does not say."""
    confidence = finding.get("confidence")
    return f" ({confidence} confidence)" if confidence in ("medium", "low") else ""


def chain_calls(finding: Finding) -> list[str]:
    """The call names of a finding's chain, normalised: arguments and spaces dropped.

    Line numbers are left out on purpose: they move with every unrelated edit.
    """
    calls = []
    for step in finding.get("chain") or []:
        if not isinstance(step, Mapping):
            continue
        call = str(step.get("call") or "").strip()
        call = call.split("(", 1)[0].strip()
        calls.append("".join(call.split()))
    return calls


def rule_for(report: Report, code: str) -> Mapping[str, Any]:
    rules = report.get("rules") or {}
    rule = rules.get(code) if isinstance(rules, Mapping) else None
    return rule if isinstance(rule, Mapping) else {}


def fix_title(report: Report, finding: Finding) -> str:
    """The remedy to show: the finding's own fix title, else its rule's."""
    fix = finding.get("fix")
    if isinstance(fix, Mapping) and fix.get("title"):
        return str(fix["title"])
    return str(rule_for(report, str(finding.get("code") or "")).get("fix") or "")


def location(finding: Finding) -> tuple[str, int, int]:
    """(path, line, column), 1-based, with safe defaults for missing fields."""
    line = _positive_int(finding.get("line"))
    column = _positive_int(finding.get("column"))
    return norm_path(finding.get("path")), line, column


def config(report: Report) -> Mapping[str, Any]:
    value = report.get("config")
    return value if isinstance(value, Mapping) else {}


def tool(report: Report) -> tuple[str, str]:
    value = report.get("tool")
    value = value if isinstance(value, Mapping) else {}
    return str(value.get("name") or "greenit-async-lint"), str(value.get("version") or "unknown")


def counted_severities(fail_on: str) -> tuple[str, ...]:
    try:
        return FAIL_ON[fail_on]
    except KeyError:
        choices = ", ".join(sorted(FAIL_ON))
        raise ValueError(f"fail_on must be one of {choices}, not {fail_on!r}") from None


def _positive_int(value: object) -> int:
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 1
    return number if number >= 1 else 1

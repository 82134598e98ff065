"""The core's own output formats: text (one finding a line) and JSON (the report contract).

The JSON document is a contract other tools read (the flake8 plugin's twin, the CI reports, the
runtime join): `version` changes only on a breaking change.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from . import __version__
from .analysis.engine import Report
from .analysis.findings import Finding
from .analysis.handlers import Handler, Registration

JSON_VERSION = 1


def text(data: dict[str, Any], show_unresolved: bool = False, show_baselined: bool = False,
         color: bool = False) -> str:
    """One finding a line (with whether it fails the gate), the fix title on the next, a summary
    last (from the JSON report, so that merged runtime findings and baselines show too). Findings
    accepted by the baseline are counted, and listed only with `show_baselined`."""
    lines: list[str] = []
    rules = data.get("rules") or {}
    paint = _paint if color else (lambda text, _style: text)
    failing = failing_severities(str((data.get("config") or {}).get("fail_on") or "violation"))
    for f in data["findings"]:
        if f.get("baselined") and not show_baselined:
            continue
        line = f"{paint(f['path'], 'bold')}:{f['line']}:{f['column']}: {paint(f['code'], _STYLE.get(f.get('severity'), 'bold'))} "
        line += f"{gate_label(str(f.get('severity') or ''), bool(f.get('baselined')), failing)} {f['message']}"
        if f.get("handler"):
            chain = " -> ".join(hop["call"] for hop in f.get("chain") or [])
            line += f" (handler {f['handler']['qualname']}" + (f" via {chain})" if chain else ")")
        lines.append(line)
        title = (f.get("fix") or {}).get("title") or (rules.get(f["code"]) or {}).get("fix")
        if title:
            lines.append(f"    fix: {title}")
    s = data["summary"]
    summary = (f"{s['handlers']} handlers in {s['files']} files: {s['violations']} violations, "
               f"{s['warnings']} warnings, {s['errors']} errors")
    if s.get("baselined"):
        summary += f" ({s['baselined']} accepted by the baseline" + ("" if show_baselined else ", not listed: see --show-baselined") + ")"
    stale = (data.get("baseline") or {}).get("stale") or []
    if stale:
        summary += f"; {len(stale)} stale baseline entries (fixed or changed: remove them)"
    lines.append(summary)
    lines.extend(inventory_lines(data, show_unresolved))
    return "\n".join(lines) + "\n"


_STYLE = {"violation": "red", "warning": "yellow", "error": "magenta"}
_ANSI = {"bold": "1", "red": "1;31", "yellow": "33", "magenta": "35", "dim": "2"}


def _paint(text: str, style: str) -> str:
    return f"\033[{_ANSI[style]}m{text}\033[0m"


def failing_severities(fail_on: str) -> tuple[str, ...]:
    from .reporting.model import FAIL_ON

    return FAIL_ON.get(fail_on, ("violation",))


def gate_label(severity: str, baselined: bool, failing: tuple[str, ...]) -> str:
    """`[violation, fails the gate]`: what a reader of a CI log needs to tell the new failure
    from the findings that do not count (warnings, baselined, analysis problems)."""
    if baselined:
        return f"[{severity}, accepted by the baseline]"
    if severity == "error":
        return "[error: not analysed, does not fail the gate]"
    return f"[{severity}, {'fails' if severity in failing else 'does not fail'} the gate]"


def inventory_lines(data: dict[str, Any], show_unresolved: bool = False) -> list[str]:
    """How many route registrations were followed to a view: the inventory's coverage, and with
    `show_unresolved` the registrations that were not, one a line."""
    from .reporting.inventory import inventory, inventory_sentence

    inv = inventory(data)
    if not inv.registrations:
        return []
    sentence = inventory_sentence(inv)
    if inv.unresolved and not show_unresolved:
        sentence += ": see --show-unresolved"
    lines = [sentence]
    if show_unresolved:
        lines.extend(f"{u['path']}:{u['line']}: {u['framework']} route {u.get('route') or ''} registered with a "
                     f"view that could not be followed (`{u['view']}`): its handler is not checked for work over "
                     "one minute; register the view by name, or catalogue the registration style"
                     for u in inv.unresolved_list)
    return lines


def handler_json(handler: Handler, report: Report) -> dict[str, Any]:
    return {"path": handler.path, "line": handler.line, "qualname": handler.qualname,
            "framework": handler.framework, "route": handler.route, "is_async": handler.is_async,
            "verdict": report.verdicts.get((handler.path, handler.qualname), "clean"),
            "runtime": getattr(handler, "runtime", None)}


def finding_json(finding: Finding, report: Report) -> dict[str, Any]:
    info = report.catalogue.codes[finding.code]
    out: dict[str, Any] = {
        "code": finding.code, "name": info.name, "severity": finding.severity,
        "path": finding.path, "line": finding.line, "column": finding.column, "message": finding.message,
        "handler": None if finding.handler is None else
        {"path": finding.handler.path, "line": finding.handler.line, "qualname": finding.handler.qualname},
        "chain": [{"path": h.path, "line": h.line, "call": h.call} for h in finding.chain],
        "source": finding.extra.get("source", "static"),
        "baselined": bool(finding.extra.get("baselined", False)),
        "confidence": finding.confidence,
    }
    if finding.confidence_reason:
        out["confidence_reason"] = finding.confidence_reason
    if finding.fix is not None:
        out["fix"] = finding.fix
    return out


def rules_json(report: Report, codes: set[str]) -> dict[str, Any]:
    out = {}
    for code in sorted(codes):
        info = report.catalogue.codes[code]
        out[code] = {"name": info.name, "summary": f"{info.found}: {info.why}", "fix": info.fix,
                     "help_uri": report.config.docs_url.format(code=code)}
    return out


def to_dict(report: Report) -> dict[str, Any]:
    findings = [finding_json(f, report) for f in report.findings]
    return {
        "version": JSON_VERSION,
        "kind": "static",
        "tool": {"name": "greenit-async-lint", "version": __version__},
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": {**report.config.describe(), "paths": report.paths},
        "summary": {"files": report.files, "handlers": len(report.handlers),
                    "violations": report.count("violation"), "warnings": report.count("warning"),
                    "errors": report.count("error"), **registrations_summary(report)},
        "rules": rules_json(report, {f.code for f in report.findings}),
        "handlers": [handler_json(h, report) for h in report.handlers],
        "findings": findings,
        "unresolved": [registration_json(r) for r in report.registrations if not r.resolved],
    }


def registrations_summary(report: Report) -> dict[str, int]:
    """Route registrations seen, followed into the project, to an installed package's view, and
    not followed at all (the inventory may miss their handlers)."""
    regs = report.registrations
    return {"registrations": len(regs), "resolved": sum(1 for r in regs if r.resolved == "project"),
            "outside": sum(1 for r in regs if r.resolved == "outside"),
            "unresolved": sum(1 for r in regs if not r.resolved)}


def registration_json(registration: Registration) -> dict[str, Any]:
    return {"path": registration.path, "line": registration.line, "framework": registration.framework,
            "kind": registration.kind, "route": registration.route, "view": registration.view}

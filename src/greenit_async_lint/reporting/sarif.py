"""SARIF 2.1.0 output, for GitHub code scanning and any SARIF viewer.

One run; one rule per code with its help text and help URI; one result per finding with the
offending call as its location, the handler as a related and logical location, the call chain
as a code flow (handler first, offending call last), and a fix wherever the finding carries a
diff. Baselined findings stay in the log as externally suppressed results, which viewers hide
but keep. Files that could not be analysed are both `note` results (so they show in the UI)
and tool execution notifications.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from . import practice
from .baseline import occurrence_fingerprints
from .compliance import overview
from .diffs import parse_unified_diff
from .model import (
    ERROR, VIOLATION, WARNING, Finding, Report, findings, fix_title, handler_key, location,
    norm_path, rule_for, source, tool,
)

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
_LEVEL = {VIOLATION: "error", WARNING: "warning", ERROR: "note"}


def render_sarif(report: Report) -> str:
    return json.dumps(sarif_log(report), indent=2, ensure_ascii=False) + "\n"


def sarif_log(report: Report) -> dict[str, Any]:
    items = findings(report)
    codes = sorted({str(f.get("code")) for f in items} | set(report.get("rules") or {}))
    index = {code: i for i, code in enumerate(codes)}
    name, version = tool(report)
    view = overview(report)
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": name, "version": version, "semanticVersion": version,
            "rules": [_rule(report, code) for code in codes],
        }},
        "invocations": [{
            "executionSuccessful": True,
            "toolExecutionNotifications": [_notification(f) for f in items if f.get("severity") == ERROR],
        }],
        "results": [_result(report, f, index, fp) for f, fp in zip(items, occurrence_fingerprints(items))],
        "properties": {
            "practice": practice.citation(),
            "validationPrinciple": practice.validation_principle(),
            "measured": view.measured,
            "verdict": view.verdict,
            "summary": dict(report.get("summary") or {}),
        },
    }
    if report.get("generated_at"):
        run["invocations"][0]["endTimeUtc"] = str(report["generated_at"])
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _rule(report: Report, code: str) -> dict[str, Any]:
    rule = rule_for(report, code)
    summary = str(rule.get("summary") or rule.get("name") or code)
    fix = str(rule.get("fix") or "")
    help_text = f"{summary}.\n\nFix: {fix}" if fix else summary
    help_md = f"**{summary}**\n\n**Fix:** {fix}" if fix else summary
    if code.startswith("GAL9"):
        level = "note"
    else:
        help_text += f"\n\n{practice.citation()}. {practice.validation_principle()}"
        help_md += f"\n\n{practice.citation()}. {practice.validation_principle()}"
        level = "error"
    described: dict[str, Any] = {
        "id": code,
        "name": str(rule.get("name") or code),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": help_text.split("\n\n")[0]},
        "help": {"text": help_text, "markdown": help_md},
        "defaultConfiguration": {"level": level},
        "properties": {"tags": [practice.TAG, "performance", "eco-design"]},
    }
    if rule.get("help_uri"):
        described["helpUri"] = str(rule["help_uri"])
    return described


def _physical(path: str, line: int, column: int | None = None) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(line, 1)}
    if column:
        region["startColumn"] = max(column, 1)
    return {"artifactLocation": {"uri": _uri(path), "uriBaseId": SRCROOT}, "region": region}


def _uri(path: str) -> str:
    # A relative URI reference: percent-encode everything but "/" and unreserved characters, so
    # that a ":" in a file name cannot read as a URI scheme.
    return quote(norm_path(path) or ".", safe="/")


def _result(report: Report, finding: Finding, index: Mapping[str, int], unique: str) -> dict[str, Any]:
    code = str(finding.get("code"))
    path, line, column = location(finding)
    severity = str(finding.get("severity"))
    message = str(finding.get("message") or code)
    remedy = fix_title(report, finding)
    result: dict[str, Any] = {
        "ruleId": code,
        "ruleIndex": index[code],
        "level": _LEVEL.get(severity, "warning"),
        "message": {"text": f"{message}. Fix: {remedy}" if remedy and remedy not in message else message},
        "locations": [{"physicalLocation": _physical(path, line, column)}],
        "partialFingerprints": {"greenitAsyncLint/v1": unique},
        "properties": {"severity": severity, "source": source(finding)},
    }
    handler = finding.get("handler")
    key = handler_key(handler)
    if key and isinstance(handler, Mapping):
        hline = _int(handler.get("line"))
        result["locations"][0]["logicalLocations"] = [{"fullyQualifiedName": key[1], "kind": "function"}]
        result["relatedLocations"] = [{
            "id": 0, "physicalLocation": _physical(key[0], hline),
            "message": {"text": f"request handler {key[1]}"},
        }]
        result["codeFlows"] = [_code_flow(finding, key, hline)]
    if isinstance(finding.get("confidence"), str):  # how sure the static analysis is (high, medium, low)
        result["properties"]["confidence"] = finding["confidence"]
    if finding.get("confidence_reason"):  # why it is not high: a guessed hop, a guard
        result["properties"]["confidence_reason"] = str(finding["confidence_reason"])
    if isinstance(finding.get("runtime"), Mapping):
        result["properties"]["runtime"] = dict(finding["runtime"])
    if finding.get("baselined"):
        result["baselineState"] = "unchanged"
        result["suppressions"] = [{"kind": "external", "status": "accepted",
                                   "justification": "accepted in the greenit-async-lint baseline"}]
    fix = _fix(finding)
    if fix:
        result["fixes"] = [fix]
    return result


def _code_flow(finding: Finding, key: tuple[str, str], hline: int) -> dict[str, Any]:
    steps = [{"location": {"physicalLocation": _physical(key[0], hline),
                           "message": {"text": f"request handler {key[1]}"}},
              "nestingLevel": 0, "executionOrder": 1}]
    for depth, step in enumerate(finding.get("chain") or [], start=1):
        if not isinstance(step, Mapping):
            continue
        steps.append({
            "location": {"physicalLocation": _physical(norm_path(step.get("path")), _int(step.get("line"))),
                         "message": {"text": f"calls {step.get('call') or '?'}"}},
            "nestingLevel": depth - 1, "executionOrder": depth + 1,
        })
    return {"message": {"text": "call chain from the request handler to the offending call"},
            "threadFlows": [{"locations": steps}]}


def _fix(finding: Finding) -> dict[str, Any] | None:
    fix = finding.get("fix")
    if not isinstance(fix, Mapping) or not fix.get("diff"):
        return None
    try:
        files = parse_unified_diff(str(fix["diff"]))
    except ValueError:
        return None  # a fix we cannot express exactly is better left out than wrong
    changes = [{
        "artifactLocation": {"uri": _uri(f.path), "uriBaseId": SRCROOT},
        "replacements": [{"deletedRegion": h.deleted_region(), "insertedContent": {"text": h.inserted_text()}}
                         for h in f.hunks],
    } for f in files if f.hunks]
    if not changes:
        return None
    text = str(fix.get("title") or "")
    if fix.get("safety") == "unsafe":
        text += " (unsafe: changes behaviour, review before applying)"
    return {"description": {"text": text or "suggested fix"}, "artifactChanges": changes}


def _notification(finding: Finding) -> dict[str, Any]:
    path, line, column = location(finding)
    return {
        "level": "error",
        "message": {"text": str(finding.get("message") or finding.get("code"))},
        "locations": [{"physicalLocation": _physical(path, line, column)}],
        "associatedRule": {"id": str(finding.get("code"))},
    }


def _int(value: object) -> int:
    try:
        return max(int(value), 1)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 1

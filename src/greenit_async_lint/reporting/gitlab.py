"""GitLab code quality report: the JSON array GitLab shows in merge requests.

Each issue has `description`, `check_name`, `fingerprint`, `severity` and `location.path` /
`location.lines.begin`. GitLab compares fingerprints between the source and target branches to say
what a merge request introduced or fixed, so they must be stable (they build on the baseline
fingerprint, which ignores line numbers) and unique within one report (a second identical
finding in the same handler gets an occurrence number). Baselined findings are left out: they
are accepted debt, and listing them would show as noise on every merge request.
"""
from __future__ import annotations

import json
from typing import Any

from . import practice
from .baseline import occurrence_fingerprints
from .model import ERROR, VIOLATION, WARNING, Report, active, chain_calls, findings, fix_title, location

_SEVERITY = {VIOLATION: "critical", WARNING: "minor", ERROR: "major"}


def render_gitlab(report: Report) -> str:
    issues: list[dict[str, Any]] = []
    items = active(findings(report))
    for finding, unique in zip(items, occurrence_fingerprints(items)):
        path, line, _ = location(finding)
        code = str(finding.get("code") or "")
        body = [str(finding.get("message") or code)]
        calls = chain_calls(finding)
        if calls:
            body.append("Call chain: " + " -> ".join(calls))
        remedy = fix_title(report, finding)
        if remedy:
            body.append(f"Fix: {remedy}")
        body.append(practice.citation())
        issues.append({
            "type": "issue",
            "description": f"{code} {' '.join(str(finding.get('message') or code).split())}",
            "check_name": f"{code} {finding.get('name') or ''}".strip(),
            "content": {"body": "\n\n".join(body)},
            "categories": ["Performance"],
            "fingerprint": unique,
            "severity": _SEVERITY.get(str(finding.get("severity")), "info"),
            "location": {"path": path, "lines": {"begin": line}},
        })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"

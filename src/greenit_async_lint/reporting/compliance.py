"""The compliance view of a report: the handler inventory, the totals and the practice verdict.

Markdown, HTML and JUnit all show the same facts, so they are computed once here. The measured
count is the number of handlers (synchronous processings) that can keep a user waiting more than a
minute: a `violation` finding (static or runtime) or a runtime measurement over the threshold.
Baselined violations still count for compliance (the practice is still broken), they only stop
counting for the CI gate; the report says how many were accepted that way.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import practice
from .gate import gate_count
from .model import (
    VERDICTS, VIOLATION, WARNING, Finding, Report, config, findings, fix_title, handler_key,
    handlers, is_baselined, mapping, norm_path, tool,
)

_VERDICT_OF_SEVERITY = {VIOLATION: "heavy", WARNING: "blocking", "loop-stall": "blocking"}


@dataclass
class HandlerRow:
    """One request handler with everything the inventory prints about it."""

    path: str
    line: int
    qualname: str
    framework: str
    route: str | None
    is_async: bool | None
    verdict: str
    runtime: Mapping[str, Any] | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def in_violation(self) -> bool:
        runtime_violation = bool(self.runtime) and self.runtime.get("severity") == VIOLATION  # type: ignore[union-attr]
        return runtime_violation or any(f.get("severity") == VIOLATION for f in self.findings)

    @property
    def accepted(self) -> bool:
        """In violation, but every violation finding is accepted in the baseline."""
        violations = [f for f in self.findings if f.get("severity") == VIOLATION]
        return self.in_violation and bool(violations) and all(map(is_baselined, violations))

    @property
    def runtime_text(self) -> str:
        """'3 flagged requests, longest wait 71.2 s', or '' when no runtime measurement joined."""
        if not self.runtime:
            return ""
        count = self.runtime.get("count")
        wait = self.runtime.get("max_wait_s")
        parts = []
        if count is not None:
            parts.append(f"{count} flagged request{'s' if count != 1 else ''}")
        if isinstance(wait, (int, float)):
            parts.append(f"longest wait {wait:.1f} s")
        return ", ".join(parts)

    def remedies(self, report: Report) -> list[str]:
        titles: list[str] = []
        for finding in self.findings:
            title = fix_title(report, finding)
            if title and title not in titles:
                titles.append(title)
        return titles


@dataclass
class Overview:
    rows: list[HandlerRow]
    errors: list[Finding]
    by_verdict: Counter[str]
    by_framework: dict[str, Counter[str]]
    measured: int
    accepted: int
    verdict: str
    gate_count: int
    max_violations: int
    fail_on: str
    stale: list[Mapping[str, Any]]
    tool_name: str
    tool_version: str
    generated_at: str
    config: Mapping[str, Any]

    baseline_note: str = ""
    runtime_note: str = ""

    @property
    def gate_passed(self) -> bool:
        return self.gate_count <= self.max_violations

    def gate_sentence(self) -> str:
        """What the CI gate counted, after "CI gate passed:" / "CI gate failed:" (one wording for
        every report format)."""
        counted = "violations and warnings" if self.fail_on == "warning" else "violations"
        text = f"{self.gate_count} non-baselined {counted} counted, at most {self.max_violations} allowed."
        if self.errors:
            text += f" {len(self.errors)} file(s) could not be analysed; the verdict covers the analysed files only."
        return text


def worst_verdict(*verdicts: str | None) -> str:
    known = [v for v in verdicts if v in VERDICTS]
    return min(known, key=VERDICTS.index) if known else "clean"


def build_rows(report: Report) -> tuple[list[HandlerRow], list[Finding]]:
    """Handler rows in report order, with their findings attached; plus the handler-less errors.

    A finding whose handler is missing from `handlers` still gets a row, so nothing is lost from
    the inventory of a partial or hand-made report.
    """
    rows: dict[tuple[str, str], HandlerRow] = {}
    for handler in handlers(report):
        key = handler_key(handler)
        assert key is not None
        if key in rows:
            continue
        rows[key] = HandlerRow(
            path=key[0], line=_int(handler.get("line")), qualname=key[1],
            framework=str(handler.get("framework") or "unknown"), route=_opt(handler.get("route")),
            is_async=handler.get("is_async"), verdict=str(handler.get("verdict") or "clean"),
            runtime=handler.get("runtime") if isinstance(handler.get("runtime"), Mapping) else None,
        )
    errors: list[Finding] = []
    for finding in findings(report):
        key = handler_key(finding.get("handler"))
        if key is None:
            errors.append(finding)
            continue
        row = rows.get(key)
        if row is None:
            ref = finding["handler"]
            row = rows[key] = HandlerRow(
                path=key[0], line=_int(ref.get("line")), qualname=key[1], framework="unknown",
                route=_opt(finding.get("route")), is_async=None, verdict="clean", runtime=None,
            )
        row.findings.append(finding)
    for row in rows.values():
        derived = [_VERDICT_OF_SEVERITY.get(str(f.get("severity"))) for f in row.findings]
        if row.runtime:
            derived.append(_VERDICT_OF_SEVERITY.get(str(row.runtime.get("severity"))))
        row.verdict = worst_verdict(row.verdict, *derived)
    return list(rows.values()), errors


def overview(report: Report) -> Overview:
    rows, errors = build_rows(report)
    by_verdict: Counter[str] = Counter({v: 0 for v in VERDICTS})
    by_framework: dict[str, Counter[str]] = {}
    for row in rows:
        by_verdict[row.verdict] += 1
        by_framework.setdefault(row.framework, Counter({v: 0 for v in VERDICTS}))[row.verdict] += 1
    cfg = config(report)
    fail_on = str(cfg.get("fail_on") or VIOLATION)
    measured = sum(1 for row in rows if row.in_violation)
    baseline = mapping(report.get("baseline"))
    name, version = tool(report)
    return Overview(
        rows=rows, errors=errors,
        by_verdict=by_verdict, by_framework=dict(sorted(by_framework.items())),
        measured=measured, accepted=sum(1 for row in rows if row.accepted),
        verdict=practice.verdict_for(measured),
        gate_count=gate_count(report, fail_on if fail_on in (VIOLATION, WARNING) else VIOLATION),
        max_violations=_int(cfg.get("max_violations"), default=0), fail_on=fail_on,
        stale=list(baseline.get("stale") or []), tool_name=name, tool_version=version,
        generated_at=str(report.get("generated_at") or ""), config=cfg,
        baseline_note=_baseline_note(report, baseline),
        runtime_note=_runtime_note(report),
    )


def _runtime_note(report: Report) -> str:
    """'1182 requests measured on 4 routes; 6 waited more than one minute' from runtime totals.

    Uses each route's `violations` count when the hook gives it, else the histogram buckets whose
    upper bound is above the threshold. Empty when no runtime report was merged in.
    """
    routes = [r for r in report.get("routes") or [] if isinstance(r, Mapping)]
    if not routes:
        return ""
    total = over = 0
    for route in routes:
        total += _int(route.get("count"), default=0)
        if isinstance(route.get("violations"), int):
            over += route["violations"]
            continue
        for bound, count in mapping(route.get("histogram")).items():
            limit = float("inf") if str(bound).lstrip("+") == "inf" else _float(bound)
            if limit > practice.THRESHOLD_SECONDS:
                over += _int(count, default=0)
    return (f"{total} request(s) measured on {len(routes)} route(s); "
            f"{over} waited more than one minute before the response started")


def _baseline_note(report: Report, baseline: Mapping[str, Any]) -> str:
    """'gal-baseline.json: 3 of 4 entries matched', from whatever the baseline step recorded.

    The count of matched entries is taken from the findings themselves, so the note stays right
    when a caller keeps only part of the `baseline` section.
    """
    if not baseline:
        return ""
    matched = sum(1 for f in findings(report) if is_baselined(f))
    entries = baseline.get("entries")
    of = f" of {entries}" if isinstance(entries, int) else ""
    return f"{baseline.get('path') or 'baseline'}: {matched}{of} entries matched, {len(baseline.get('stale') or [])} stale"


def chain_steps(row: HandlerRow, finding: Finding) -> list[tuple[str, str, int]]:
    """The evidence path of a finding: (call, path, line) from the handler to the offending call."""
    steps = [(row.qualname, row.path, row.line)]
    for step in finding.get("chain") or []:
        if isinstance(step, Mapping):
            steps.append((str(step.get("call") or "?"), norm_path(step.get("path")), _int(step.get("line"))))
    return steps


def sort_key(row: HandlerRow) -> tuple[int, str, int]:
    """Worst verdict first, then by place in the code."""
    return (VERDICTS.index(row.verdict) if row.verdict in VERDICTS else len(VERDICTS), row.path, row.line)


def _int(value: object, default: int = 1) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default


def _float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def _opt(value: object) -> str | None:
    return None if value in (None, "") else str(value)

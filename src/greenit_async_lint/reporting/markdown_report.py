"""The compliance report in GitHub-flavoured Markdown, for a PR comment or a CI job summary.

Sections: the practice and its identifiers, the validation principle with the measured count and
the verdict, the CI gate, totals per framework and verdict, the handler inventory with evidence
and remedies, per-handler call chains in `<details>`, analysis errors, stale baseline entries, the
configuration (to reproduce the result), and the tool version and date.

Everything from the report is user code and is escaped: `md_text` for prose (backticked call
names in messages stay code spans), `md_code` for paths and names, `html.escape` inside the HTML
of `<details>` summaries. Pipes are escaped in table cells, newlines folded.
"""
from __future__ import annotations

import html
import re
from collections.abc import Mapping

from . import practice
from .compliance import HandlerRow, Overview, chain_steps, overview, sort_key
from .inventory import Inventory, incomplete_warning, inventory, inventory_sentence, mostly_unresolved
from .model import VERDICTS, Report, confidence_flag, fix_title, location

_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")


def md_text(value: object) -> str:
    """Prose on one line; Markdown and HTML specials neutralised."""
    text = re.sub(r"\s+", " ", str(value if value is not None else ""))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def md_code(value: object, table: bool = True) -> str:
    """A code span that cannot be broken out of, whatever backticks the value holds."""
    text = " ".join(str(value if value is not None else "").split())
    if not text:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    if text.startswith("`") or text.endswith("`"):
        text = f" {text} "
    if table:
        text = text.replace("|", "\\|")
    return f"{fence}{text}{fence}"


def md_message(value: object) -> str:
    """A finding message: backticked parts as code spans, the rest as escaped prose."""
    parts = str(value or "").split("`")
    if len(parts) % 2 == 0:  # unbalanced backticks: treat it all as prose
        return md_text(value)
    return "".join(md_code(part) if i % 2 else md_text(part) for i, part in enumerate(parts))


def render_markdown(report: Report) -> str:
    view = overview(report)
    coverage = inventory(report)
    # Most handlers never looked at: the verdict must not read as a pass.
    verdict = f"{view.verdict} (inventory incomplete)" if mostly_unresolved(coverage) else view.verdict
    out: list[str] = [f"# GreenIT 112 compliance report: {verdict}", ""]
    out += _practice(view) + _gate(view) + _coverage(coverage) + _totals(view) + _inventory(report, view)
    out += _evidence(report, view) + _errors(report, view) + _stale(view) + _configuration(report, view)
    out += [f"Produced by {md_text(view.tool_name)} {md_text(view.tool_version)} on {md_text(view.generated_at or 'an unknown date')}."]
    return "\n".join(out) + "\n"


def _practice(view: Overview) -> list[str]:
    ids = " · ".join(f"{label} no. {value}" if label != "GreenIT" else f"GreenIT {value}"
                     for label, value in practice.IDENTIFIERS)
    indicators = ", ".join(f"{label.lower()} {value}" for label, value in practice.INDICATORS)
    accepted = f" (of which {view.accepted} accepted in the baseline)" if view.accepted else ""
    rows = [
        ("Practice", f"**{practice.TITLE}** ({practice.TITLE_FR})"),
        ("Identifiers", ids),
        *((label, value) for label, value in practice.CATEGORIES[:2]),
        ("Indicators", indicators),
        ("Resources saved", ", ".join(practice.RESOURCES_SAVED)),
        ("Validation principle", f"{practice.VALIDATION_SUBJECT}: at most {practice.VALIDATION_MAX}"),
        ("Measured", f"**{view.measured}** handler(s) that can keep a user waiting more than one minute{accepted}"),
        *((("Runtime measurement", md_text(view.runtime_note)),) if view.runtime_note else ()),
        ("Verdict", f"**{view.verdict}**"),
    ]
    return ["| | |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows), ""]


def _gate(view: Overview) -> list[str]:
    state = "passed" if view.gate_passed else "FAILED"
    return [f"**CI gate {state}:** {view.gate_sentence()}", ""]


def _coverage(inv: Inventory) -> list[str]:
    """Route registrations followed to their views, and those that were not, with file:line."""
    if not inv.registrations:
        return []
    warning = incomplete_warning(inv)
    out = [f"**Inventory coverage:** {md_text(warning) if warning else md_text(inventory_sentence(inv))}.", ""]
    if inv.unresolved_list:
        out += ["<details>", f"<summary>Route registrations not followed ({len(inv.unresolved_list)})</summary>", ""]
        for u in inv.unresolved_list:
            route = f" for route {md_code(u.get('route'), table=False)}" if u.get("route") else ""
            where = md_code(f"{u.get('path')}:{u.get('line')}", table=False)
            out.append(f"- {where} {md_text(u.get('framework'))} "
                       f"{md_text(u.get('kind'))}: view {md_code(u.get('view'), table=False)}{route}")
        out += ["", "</details>", ""]
    return out


def _totals(view: Overview) -> list[str]:
    out = ["## Totals", "", "| Framework | " + " | ".join(VERDICTS) + " | total |",
           "|---|" + "---:|" * (len(VERDICTS) + 1)]
    for framework, counts in view.by_framework.items():
        cells = " | ".join(str(counts[v]) for v in VERDICTS)
        out.append(f"| {md_text(framework)} | {cells} | {sum(counts.values())} |")
    cells = " | ".join(f"**{view.by_verdict[v]}**" for v in VERDICTS)
    out += [f"| **all** | {cells} | **{sum(view.by_verdict.values())}** |", ""]
    return out


def _evidence_cell(row: HandlerRow) -> str:
    parts = []
    for finding in row.findings:
        calls = " → ".join(md_code(call) for call, _, _ in chain_steps(row, finding)[1:])
        flag = confidence_flag(finding) + (" (baselined)" if finding.get("baselined") else "")
        parts.append(f"{md_text(finding.get('code'))}{flag}: {calls or md_text(finding.get('severity'))}")
    if row.runtime_text:
        parts.append(f"runtime: {md_text(row.runtime_text)}")
    return "<br>".join(parts) or "none"


def _inventory(report: Report, view: Overview) -> list[str]:
    out = ["## Handlers", "", "| Verdict | Handler | Framework | Route | Evidence | Remedy |",
           "|---|---|---|---|---|---|"]
    for row in sorted(view.rows, key=sort_key):
        verdict = f"**{row.verdict}**" if row.verdict == "heavy" else row.verdict
        handler = f"{md_code(row.qualname)}<br>{md_code(f'{row.path}:{row.line}')}"
        route = md_code(row.route) if row.route else "—"
        remedy = "<br>".join(md_message(t) for t in row.remedies(report)) or "—"
        out.append(f"| {verdict} | {handler} | {md_text(row.framework)} | {route} | {_evidence_cell(row)} | {remedy} |")
    return out + [""]


def _evidence(report: Report, view: Overview) -> list[str]:
    rows = [row for row in sorted(view.rows, key=sort_key) if row.findings]
    if not rows:
        return []
    out = ["## Call chains", ""]
    for row in rows:
        summary = html.escape(f"{row.qualname} ({row.path}:{row.line}): {len(row.findings)} finding(s)")
        out += ["<details>", f"<summary>{summary}</summary>", ""]
        for finding in row.findings:
            path, line, column = location(finding)
            flag = " — accepted in the baseline" if finding.get("baselined") else ""
            out.append(f"- **{md_text(finding.get('code'))} {md_text(finding.get('severity'))}**{flag} "
                       f"at {md_code(f'{path}:{line}:{column}', table=False)}: {md_message(finding.get('message'))}")
            for depth, (call, step_path, step_line) in enumerate(chain_steps(row, finding)):
                out.append(f"  {'  ' * depth}- {md_code(call, table=False)} {md_code(f'{step_path}:{step_line}', table=False)}")
            runtime = finding.get("runtime")
            if isinstance(runtime, Mapping) and runtime.get("max_wait_s") is not None:
                out.append(f"  - measured: {md_text(runtime.get('count'))} request(s), longest wait {md_text(runtime.get('max_wait_s'))} s")
            remedy = fix_title(report, finding)
            if remedy:
                out.append(f"  - fix: {md_message(remedy)}")
        out += ["", "</details>", ""]
    return out


def _errors(report: Report, view: Overview) -> list[str]:
    if not view.errors:
        return []
    out = ["## Files that could not be analysed", ""]
    for finding in view.errors:
        path, line, column = location(finding)
        out.append(f"- {md_text(finding.get('code'))} {md_code(f'{path}:{line}:{column}', table=False)}: "
                   f"{md_message(finding.get('message'))}. {md_message(fix_title(report, finding))}")
    return out + [""]


def _stale(view: Overview) -> list[str]:
    if not view.stale:
        return []
    out = ["## Stale baseline entries", "", "These entries are no longer found (fixed or changed): remove them from the baseline.", ""]
    for entry in view.stale:
        out.append(f"- {md_text(entry.get('code'))} in {md_code(entry.get('handler') or entry.get('path'), table=False)}: "
                   f"{md_message(entry.get('message'))} ({md_code(entry.get('fingerprint'), table=False)})")
    return out + [""]


def _configuration(report: Report, view: Overview) -> list[str]:
    out = ["## Configuration", "", "| Setting | Value |", "|---|---|"]
    for key, value in view.config.items():
        out.append(f"| {md_text(key)} | {md_code(_value(value)) if value not in (None, []) else '—'} |")
    if view.baseline_note:
        out.append(f"| baseline applied | {md_text(view.baseline_note)} |")
    merged = report.get("merged_from")
    if isinstance(merged, list) and merged:
        out.append(f"| merged from | {len(merged)} reports: " + ", ".join(
            md_text(f"{m.get('kind')} {m.get('generated_at')}") for m in merged if isinstance(m, Mapping)) + " |")
    return out + [""]


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)

"""The compliance report as one self-contained HTML file.

Same facts as the Markdown report (see compliance.py), plus inline SVG charts, a sortable and
filterable handler table, and each handler's call chains in `<details>`. Nothing is fetched: CSS,
script and charts are inline, and a Content-Security-Policy with `default-src 'none'` and hashes
of exactly our style and script makes the browser refuse anything else. Every value from the
report goes through `e()` (html.escape with quotes), including attribute values.
"""
from __future__ import annotations

from collections.abc import Mapping
from html import escape

from . import practice
from .compliance import HandlerRow, Overview, chain_steps, overview, sort_key
from .html_assets import CSS, JS, content_security_policy
from .inventory import Inventory, incomplete_warning, inventory, inventory_sentence, mostly_unresolved
from .model import VERDICTS, Finding, Report, fix_title, location
from .svg import framework_chart, verdict_chart


def e(value: object) -> str:
    return escape(str(value if value is not None else ""), quote=True)


def prose(value: object) -> str:
    """Escaped text where `backticked` parts (call names in messages and fixes) become <code>."""
    parts = str(value if value is not None else "").split("`")
    if len(parts) % 2 == 0:  # unbalanced backticks: plain text
        return e(value)
    return "".join(f"<code>{e(part)}</code>" if i % 2 else e(part) for i, part in enumerate(parts))


def render_html(report: Report) -> str:
    view = overview(report)
    badge = "compliant" if view.verdict == practice.COMPLIANT else "not-compliant"
    coverage = inventory(report)
    verdict = view.verdict
    if mostly_unresolved(coverage):  # most handlers were never looked at: this is no pass
        badge, verdict = "not-compliant", f"{view.verdict} (inventory incomplete)"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{e(content_security_policy())}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>GreenIT 112 compliance report: {e(verdict)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        f'<h1>GreenIT 112 compliance report <span id="verdict" class="badge {badge}">{e(verdict)}</span></h1>',
        _practice(view),
        _gate(view),
        _coverage(coverage),
        '<h2>Handlers by verdict and framework</h2>',
        f'<div class="charts">{verdict_chart(view.by_verdict)}{framework_chart(view.by_framework)}</div>',
        _totals(view),
        _inventory(report, view),
        _errors(report, view),
        _stale(view),
        _configuration(report, view),
        f"<footer>Produced by {e(view.tool_name)} {e(view.tool_version)} on "
        f"{e(view.generated_at or 'an unknown date')}. {e(practice.citation())}.</footer>",
        f"<script>{JS}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _facts(pairs: list[tuple[str, str]]) -> str:
    """A definition list; values are already-escaped HTML."""
    return '<dl class="facts">' + "".join(f"<dt>{e(k)}</dt><dd>{v}</dd>" for k, v in pairs) + "</dl>"


def _practice(view: Overview) -> str:
    ids = " · ".join(e(f"GreenIT {v}" if k == "GreenIT" else f"{k} no. {v}") for k, v in practice.IDENTIFIERS)
    accepted = f" (of which {view.accepted} accepted in the baseline)" if view.accepted else ""
    return _facts([
        ("Practice", f"<strong>{e(practice.TITLE)}</strong> <em>({e(practice.TITLE_FR)})</em>"),
        ("Identifiers", ids),
        *((k, e(v)) for k, v in practice.CATEGORIES[:2]),
        ("Indicators", e(", ".join(f"{k.lower()} {v}" for k, v in practice.INDICATORS))),
        ("Resources saved", e(", ".join(practice.RESOURCES_SAVED))),
        ("Validation principle", e(f"{practice.VALIDATION_SUBJECT}: at most {practice.VALIDATION_MAX}")),
        ("Measured", f'<strong id="measured">{view.measured}</strong> handler(s) that can keep a user '
                     f"waiting more than one minute{e(accepted)}"),
        *((("Runtime measurement", e(view.runtime_note)),) if view.runtime_note else ()),
        ("Verdict", f"<strong>{e(view.verdict)}</strong>"),
    ])


def _gate(view: Overview) -> str:
    state = "passed" if view.gate_passed else "failed"
    return f'<p class="gate {state}">{e(f"CI gate {state}: {view.gate_sentence()}")}</p>'


def _totals(view: Overview) -> str:
    head = "".join(f'<th class="num">{v}</th>' for v in VERDICTS)
    body = []
    for framework, counts in view.by_framework.items():
        cells = "".join(f'<td class="num">{counts[v]}</td>' for v in VERDICTS)
        body.append(f"<tr><td>{e(framework)}</td>{cells}<td class=\"num\">{sum(counts.values())}</td></tr>")
    cells = "".join(f'<td class="num"><strong>{view.by_verdict[v]}</strong></td>' for v in VERDICTS)
    body.append(f'<tr><td><strong>all</strong></td>{cells}<td class="num"><strong>{sum(view.by_verdict.values())}</strong></td></tr>')
    return (f'<table id="totals"><thead><tr><th>Framework</th>{head}<th class="num">total</th></tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def _inventory(report: Report, view: Overview) -> str:
    frameworks = "".join(f'<option value="{e(f)}">{e(f)}</option>' for f in view.by_framework)
    verdicts = "".join(f'<option value="{v}">{v}</option>' for v in VERDICTS)
    controls = (
        '<div class="filters">'
        '<label>Filter <input id="filter-text" type="search" placeholder="path, handler, route, code…"></label>'
        f'<label>Verdict <select id="filter-verdict"><option value="">all</option>{verdicts}</select></label>'
        f'<label>Framework <select id="filter-framework"><option value="">all</option>{frameworks}</select></label>'
        '<button type="button" id="expand-all" aria-pressed="false">Expand all chains</button>'
        '<span id="shown-count" aria-live="polite"></span></div>'
    )
    columns = [("Verdict", "number", ""), ("Handler and evidence", "text", "wide"), ("Framework", "text", ""),
               ("Route", "text", ""), ("Findings", "number", ""), ("Longest wait (s)", "number", ""),
               ("Remedy", "text", "remedy")]
    head = "".join(f'<th aria-sort="none" class="{css or kind}"><button type="button" '
                   f'data-type="{kind}">{name}</button></th>' for name, kind, css in columns)
    rows = "\n".join(_row(report, row) for row in sorted(view.rows, key=sort_key))
    return (f"<h2>Handlers ({len(view.rows)})</h2>{controls}"
            f'<table id="handlers"><thead><tr>{head}</tr></thead><tbody>\n{rows}\n</tbody></table>')


def _row(report: Report, row: HandlerRow) -> str:
    rank = VERDICTS.index(row.verdict) if row.verdict in VERDICTS else len(VERDICTS)
    wait = row.runtime.get("max_wait_s") if row.runtime else None
    wait = wait if isinstance(wait, (int, float)) else None
    codes = " ".join(str(f.get("code")) for f in row.findings)
    search = " ".join([row.path, row.qualname, row.framework, row.route or "", row.verdict, codes]).lower()
    remedies = "".join(f"<div>{prose(t)}</div>" for t in row.remedies(report)) or "—"
    asynchronous = " (async)" if row.is_async else ""
    return (
        f'<tr data-verdict="{e(row.verdict)}" data-framework="{e(row.framework)}" data-search="{e(search)}">'
        f'<td data-sort="{rank}" class="verdict {e(row.verdict)}">{e(row.verdict)}</td>'
        f'<td data-sort="{e(row.path)}:{row.line:08d}">{_evidence(report, row)}</td>'
        f'<td data-sort="{e(row.framework)}">{e(row.framework)}{asynchronous}</td>'
        f'<td data-sort="{e(row.route or "")}">{f"<code>{e(row.route)}</code>" if row.route else "—"}</td>'
        f'<td class="num" data-sort="{len(row.findings)}">{len(row.findings)}</td>'
        f'<td class="num" data-sort="{wait if wait is not None else -1}">{"" if wait is None else f"{wait:.1f}"}</td>'
        f"<td>{remedies}</td></tr>"
    )


def _evidence(report: Report, row: HandlerRow) -> str:
    title = f"<code>{e(row.qualname)}</code> <code>{e(row.path)}:{row.line}</code>"
    if not row.findings and not row.runtime_text:
        return title
    body = [_finding(report, row, f) for f in row.findings]
    if row.runtime_text:
        body.append(f'<div class="runtime">Measured at run time: {e(row.runtime_text)}</div>')
    return f"<details><summary>{title}</summary>{''.join(body)}</details>"


def _finding(report: Report, row: HandlerRow, finding: Finding) -> str:
    path, line, column = location(finding)
    css = "finding baselined" if finding.get("baselined") else "finding"
    flag = " (accepted in the baseline)" if finding.get("baselined") else ""
    steps = "".join(f"<li><code>{e(call)}</code> <code>{e(p)}:{n}</code></li>" for call, p, n in chain_steps(row, finding))
    runtime = finding.get("runtime")
    measured = ""
    if isinstance(runtime, Mapping) and runtime.get("max_wait_s") is not None:
        measured = f"<div>Measured: {e(runtime.get('count'))} request(s), longest wait {e(runtime.get('max_wait_s'))} s</div>"
    remedy = fix_title(report, finding)
    return (f'<div class="{css}"><strong>{e(finding.get("code"))} {e(finding.get("severity"))}</strong>{e(flag)} '
            f"at <code>{e(path)}:{line}:{column}</code>: {prose(finding.get('message'))}"
            f"<ol>{steps}</ol>{measured}{f'<div>Fix: {prose(remedy)}</div>' if remedy else ''}</div>")


def _coverage(inv: Inventory) -> str:
    """Route registrations followed to their views, and those that were not, with file:line."""
    if not inv.registrations:
        return ""
    state = "failed" if mostly_unresolved(inv) else "passed"
    text = incomplete_warning(inv) or inventory_sentence(inv)
    items = "".join(f"<li><code>{e(u.get('path'))}:{e(u.get('line'))}</code> {e(u.get('framework'))} "
                    f"{e(u.get('kind'))}: view <code>{e(u.get('view'))}</code>"
                    f"{' for route <code>' + e(u.get('route')) + '</code>' if u.get('route') else ''}</li>"
                    for u in inv.unresolved_list)
    listing = (f'<details><summary>Not followed ({len(inv.unresolved_list)})</summary>'
               f'<ul id="unresolved">{items}</ul></details>') if items else ""
    return f'<h2>Inventory coverage</h2><p id="coverage" class="gate {state}">{e(text)}</p>{listing}'


def _errors(report: Report, view: Overview) -> str:
    if not view.errors:
        return ""
    items = []
    for finding in view.errors:
        path, line, column = location(finding)
        items.append(f"<li>{e(finding.get('code'))} <code>{e(path)}:{line}:{column}</code>: "
                     f"{prose(finding.get('message'))}. {prose(fix_title(report, finding))}</li>")
    return f'<h2>Files that could not be analysed</h2><ul id="errors">{"".join(items)}</ul>'


def _stale(view: Overview) -> str:
    if not view.stale:
        return ""
    items = "".join(f"<li>{e(s.get('code'))} in <code>{e(s.get('handler') or s.get('path'))}</code>: "
                    f"{prose(s.get('message'))} <code>{e(s.get('fingerprint'))}</code></li>" for s in view.stale)
    return ('<h2>Stale baseline entries</h2><p>No longer found (fixed or changed): remove them from the '
            f'baseline.</p><ul id="stale">{items}</ul>')


def _configuration(report: Report, view: Overview) -> str:
    pairs = []
    for key, value in view.config.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else value
        shown = {True: "true", False: "false"}.get(shown, shown) if isinstance(shown, bool) else shown
        pairs.append((str(key), f"<code>{e(shown)}</code>" if value not in (None, []) else "—"))
    if view.baseline_note:
        pairs.append(("baseline applied", e(view.baseline_note)))
    merged = report.get("merged_from")
    if isinstance(merged, list) and merged:
        pairs.append(("merged from", e(f"{len(merged)} reports: " + ", ".join(
            f"{m.get('kind')} {m.get('generated_at')}" for m in merged if isinstance(m, Mapping)))))
    return f'<h2>Configuration</h2><div id="configuration">{_facts(pairs)}</div>'

"""GitHub Actions workflow commands: one annotation per finding on the pull request's diff.

`::error file=app/views.py,line=14,col=5,title=GAL101 document-conversion-in-request::message`.
Values are escaped as the Actions runner expects (`%`, CR, LF everywhere; also `:` and `,` in
property values), otherwise a message with a newline would end the command early and a path with
a comma would cut the file name. Baselined findings are not annotated (they are accepted); a
closing notice counts them and lists stale baseline entries.
"""
from __future__ import annotations

from collections.abc import Mapping

from .compliance import overview
from .model import ERROR, VIOLATION, WARNING, Report, active, chain_calls, findings, fix_title, location

_COMMAND = {VIOLATION: "error", WARNING: "warning", ERROR: "error"}


def escape_data(value: object) -> str:
    return str(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: object) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report) -> str:
    lines = []
    items = findings(report)
    for finding in active(items):
        path, line, column = location(finding)
        command = _COMMAND.get(str(finding.get("severity")), "warning")
        code = str(finding.get("code") or "")
        title = f"{code} {finding.get('name') or ''}".strip()
        message = " ".join(str(finding.get("message") or code).split())
        calls = chain_calls(finding)
        if len(calls) > 1:
            message += f" (call chain: {' -> '.join(calls)})"
        runtime = finding.get("runtime")
        if isinstance(runtime, Mapping) and runtime.get("max_wait_s") is not None:
            message += f" (measured: longest wait {runtime['max_wait_s']} s)"
        remedy = fix_title(report, finding)
        if remedy and remedy not in message:
            message += f" Fix: {remedy}"
        props = f"file={escape_property(path)},line={line},col={column},title={escape_property(title)}"
        lines.append(f"::{command} {props}::{escape_data(message)}")
    view = overview(report)
    baselined = len(items) - len(active(items))
    summary = f"greenit-async-lint: {view.verdict} with GreenIT 112 ({view.measured} handler(s) can keep users waiting over a minute)"
    if baselined:
        summary += f"; {baselined} finding(s) accepted in the baseline"
    lines.append(f"::notice title=GreenIT 112::{escape_data(summary)}")
    for entry in view.stale:
        where = entry.get("handler") or entry.get("path") or "?"
        lines.append("::notice title=Stale baseline entry::" + escape_data(
            f"{entry.get('code')} in {where} is no longer found: remove it from the baseline"))
    return "\n".join(lines) + "\n"

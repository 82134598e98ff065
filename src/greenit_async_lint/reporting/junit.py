"""JUnit XML output: one test case per request handler, for CI systems that only read test reports.

A handler fails when it has a violation that is not baselined (and, with `fail_on: warning` in
the report's config, a warning too), so the failed test count follows the CI gate. A handler whose
only violations are baselined is reported as skipped with the reason. Files that could not be
analysed become test cases in error. Built with ElementTree, which escapes everything that comes
from the report (paths, messages, qualnames are user code).
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from . import practice
from .compliance import HandlerRow, chain_steps, overview
from .model import FAIL_ON, VIOLATION, Finding, Report, fix_title, location


def render_junit(report: Report) -> str:
    view = overview(report)
    failing = FAIL_ON.get(view.fail_on, (VIOLATION,))
    suite = ET.Element("testsuite", name=f"greenit-async-lint: {practice.citation()}")
    if view.generated_at:
        suite.set("timestamp", view.generated_at)
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for row in view.rows:
        case = ET.SubElement(suite, "testcase", classname=_classname(row.path), name=_case_name(row),
                             file=row.path, line=str(row.line))
        counts["tests"] += 1
        active = [f for f in row.findings if not f.get("baselined") and f.get("severity") in failing]
        runtime_violation = bool(row.runtime) and row.runtime.get("severity") == VIOLATION  # type: ignore[union-attr]
        if active:
            counts["failures"] += 1
            first = active[0]
            failure = ET.SubElement(case, "failure", type=str(first.get("code")),
                                    message=_one_line(first.get("message")))
            failure.text = "\n\n".join(_describe(report, row, f) for f in active)
        elif row.accepted:
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message="violation accepted in the baseline")
        elif runtime_violation and not row.findings:
            counts["failures"] += 1
            ET.SubElement(case, "failure", type="runtime", message=f"measured: {row.runtime_text}")
        others = [f for f in row.findings if f not in active]
        if others or row.runtime_text:
            out = ET.SubElement(case, "system-out")
            lines = [_describe(report, row, f) for f in others]
            if row.runtime_text:
                lines.append(f"runtime: {row.runtime_text}")
            out.text = "\n\n".join(lines)
    for finding in view.errors:
        path, line, _ = location(finding)
        case = ET.SubElement(suite, "testcase", classname=_classname(path),
                             name=f"{finding.get('code')} {path}", file=path, line=str(line))
        counts["tests"] += 1
        counts["errors"] += 1
        error = ET.SubElement(case, "error", type=str(finding.get("code")), message=_one_line(finding.get("message")))
        error.text = fix_title(report, finding)
    for key, value in counts.items():
        suite.set(key, str(value))
    suites = ET.Element("testsuites", {"name": "greenit-async-lint",
                                       **{k: str(v) for k, v in counts.items() if k != "skipped"}})
    suites.append(suite)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _classname(path: str) -> str:
    # CI UIs group test cases by dotted class name; a module path reads naturally that way.
    stem = path[:-3] if path.endswith(".py") else path
    return stem.replace("/", ".") or "unknown"


def _case_name(row: HandlerRow) -> str:
    route = f" [{row.route}]" if row.route else ""
    return f"{row.qualname}{route} ({row.framework})"


def _describe(report: Report, row: HandlerRow, finding: Finding) -> str:
    path, line, column = location(finding)
    chain = " -> ".join(f"{call} ({p}:{n})" for call, p, n in chain_steps(row, finding))
    flag = " [baselined]" if finding.get("baselined") else ""
    text = f"{finding.get('code')} {finding.get('severity')}{flag} at {path}:{line}:{column}: {_one_line(finding.get('message'))}"
    text += f"\n  chain: {chain}"
    remedy = fix_title(report, finding)
    if remedy:
        text += f"\n  fix: {remedy}"
    runtime = finding.get("runtime")
    if isinstance(runtime, Mapping) and runtime.get("max_wait_s") is not None:
        text += f"\n  measured: {runtime.get('count')} requests, longest wait {runtime.get('max_wait_s')} s"
    return text


def _one_line(value: object) -> str:
    return " ".join(str(value or "").split())

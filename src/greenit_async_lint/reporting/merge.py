"""Merging reports from many machines: CI shards, services of one product, runtime measurements.

Nothing is counted twice:
- an input identical to an earlier one is skipped (the same artifact uploaded twice);
- handlers are one per (path, qualname); the first report's facts win, gaps are filled from later
  ones, and the verdict is the worst seen;
- static findings are a multiset union by fingerprint: a fingerprint found twice in one report
  (the same call made twice in a handler) stays twice, but overlapping shards that both report it
  do not add a third copy;
- runtime findings with the same fingerprint (the same handler measured on several machines)
  become one, with request counts summed and the longest wait kept; each handler's `runtime`
  field is recomputed from them;
- the summary is recomputed from the merged lists (files: summed over the static inputs, which
  assumes shards do not analyse the same file twice).

Known limit: a merged report merged again with one of its own runtime inputs counts that input's
requests twice; merge the original reports instead.
"""
from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from .baseline import fingerprint
from .compliance import worst_verdict
from .model import ERROR, VIOLATION, WARNING, handler_key, mapping, norm_path, source
from .inventory import merged_inventory
from .runtime_findings import RUNTIME_RULES, message, runtime_summary, to_finding
from .validate import validate_report

_VERDICT_OF = {VIOLATION: "heavy", WARNING: "blocking"}


def merge_reports(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """One report from many (static, runtime or already merged); the inputs are not modified."""
    if not reports:
        raise ValueError("merge_reports needs at least one report")
    inputs = _distinct([validate_report(r, f"report {i + 1}") for i, r in enumerate(reports)])
    handlers: dict[tuple[str, str], dict[str, Any]] = {}
    static: dict[str, list[dict[str, Any]]] = {}
    measured: dict[str, dict[str, Any]] = {}
    rules: dict[str, Any] = {}
    routes: dict[tuple[str, str], dict[str, Any]] = {}
    for report in inputs:
        runtime_kind = report.get("kind") == "runtime"
        for handler in report.get("handlers") or []:
            _add_handler(handlers, copy.deepcopy(handler))
        for code, rule in (report.get("rules") or {}).items():
            rules.setdefault(code, copy.deepcopy(rule))
        mine: dict[str, list[dict[str, Any]]] = {}
        for raw in report.get("findings") or []:
            finding = to_finding(raw) if runtime_kind else copy.deepcopy(raw)
            if source(finding) == "runtime":
                _add_measured(measured, finding)
                if runtime_kind or handler_key(finding.get("handler")) not in handlers:
                    _add_handler(handlers, _handler_from_runtime(finding, report))
            else:
                mine.setdefault(fingerprint(finding), []).append(finding)
        for fp, found in mine.items():
            kept = static.setdefault(fp, [])
            kept.extend(found[len(kept):])  # multiset union: keep the most occurrences seen
        for route in report.get("routes") or []:
            _add_route(routes, route)
    findings = [f for found in static.values() for f in found] + list(measured.values())
    for finding in measured.values():
        rules.setdefault(str(finding["code"]), dict(RUNTIME_RULES.get(str(finding["code"]), {})))
    _join_runtime(handlers, list(measured.values()))
    merged: dict[str, Any] = {
        "version": 1,
        "kind": "static" if all(r.get("kind", "static") == "static" for r in inputs) else "merged",
        "tool": copy.deepcopy(inputs[0].get("tool") or {"name": "greenit-async-lint"}),
        "generated_at": max((str(r.get("generated_at") or "") for r in inputs), default=""),
        "config": _config(inputs),
        "summary": {},
        "rules": dict(sorted(rules.items())),
        "handlers": list(handlers.values()),
        "findings": findings,
        "merged_from": [_provenance(r) for r in inputs],
    }
    if routes:
        merged["routes"] = list(routes.values())
    baseline = _baseline(inputs, findings)
    if baseline:
        merged["baseline"] = baseline
    merged["summary"] = _summary(inputs, merged)
    coverage, unresolved = merged_inventory([r for r in inputs if r.get("kind", "static") == "static"])
    if coverage:  # how many route registrations each static run followed (inventory.py)
        merged["summary"].update(coverage)
        merged["unresolved"] = unresolved
    return merged


def _distinct(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for report in reports:
        key = json.dumps(report, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            out.append(report)
    return out


def _add_handler(handlers: dict[tuple[str, str], dict[str, Any]], handler: dict[str, Any]) -> None:
    key = handler_key(handler)
    assert key is not None
    handler["path"] = key[0]
    known = handlers.get(key)
    if known is None:
        handlers[key] = handler
        return
    for field in ("route", "framework", "is_async", "line"):
        if known.get(field) in (None, "", "unknown") and handler.get(field) not in (None, ""):
            known[field] = handler[field]
    known["verdict"] = worst_verdict(known.get("verdict"), handler.get("verdict"))
    if not known.get("runtime") and handler.get("runtime"):
        known["runtime"] = handler["runtime"]


def _handler_from_runtime(finding: Mapping[str, Any], report: Mapping[str, Any]) -> dict[str, Any]:
    ref = finding["handler"]
    run = mapping(report.get("run"))
    frameworks = run.get("frameworks")
    frameworks = frameworks if isinstance(frameworks, list) else []
    # The hook lists the frameworks imported in the process; only a single one is unambiguous.
    framework = report.get("framework") or run.get("framework") or (frameworks[0] if len(frameworks) == 1 else None)
    return {
        "path": ref["path"], "line": ref["line"], "qualname": ref["qualname"],
        "framework": str(framework or "unknown"),
        "route": (finding.get("runtime") or {}).get("route"), "is_async": None,
        "verdict": "clean", "runtime": None,
    }


def _add_measured(measured: dict[str, dict[str, Any]], finding: dict[str, Any]) -> None:
    fp = fingerprint(finding)
    known = measured.get(fp)
    if known is None:
        measured[fp] = finding
        return
    a, b = known["runtime"], finding.get("runtime") or {}
    a["count"] = int(a.get("count") or 0) + int(b.get("count") or 0)
    waits = [w for w in (a.get("max_wait_s"), b.get("max_wait_s")) if isinstance(w, (int, float))]
    a["max_wait_s"] = max(waits) if waits else None
    if finding.get("severity") == VIOLATION:
        known["severity"] = VIOLATION
    known["baselined"] = bool(known.get("baselined") or finding.get("baselined"))
    known["message"] = message(known["handler"]["qualname"], a, known.get("chain") or [])


def _join_runtime(handlers: dict[tuple[str, str], dict[str, Any]], measured: list[dict[str, Any]]) -> None:
    by_handler: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for finding in measured:
        key = handler_key(finding.get("handler"))
        if key:
            by_handler.setdefault(key, []).append(finding)
    for key, handler in handlers.items():
        if key in by_handler:
            handler["runtime"] = runtime_summary(by_handler[key])
        runtime = handler.get("runtime")
        if isinstance(runtime, Mapping):
            handler["verdict"] = worst_verdict(handler.get("verdict"), _VERDICT_OF.get(str(runtime.get("severity"))))


def _add_route(routes: dict[tuple[str, str], dict[str, Any]], route: Mapping[str, Any]) -> None:
    key = (str(route.get("route")), str(route.get("method")))
    known = routes.get(key)
    if known is None:
        routes[key] = copy.deepcopy(dict(route))
        return
    known["count"] = int(known.get("count") or 0) + int(route.get("count") or 0)
    waits = [w for w in (known.get("max_wait_s"), route.get("max_wait_s")) if isinstance(w, (int, float))]
    known["max_wait_s"] = max(waits) if waits else None
    histogram = dict(known.get("histogram") or {})
    for bucket, n in (route.get("histogram") or {}).items():
        histogram[bucket] = int(histogram.get(bucket) or 0) + int(n or 0)
    known["histogram"] = histogram


def _config(inputs: list[dict[str, Any]]) -> dict[str, Any]:
    static = [r for r in inputs if r.get("kind") != "runtime"] or inputs
    config = copy.deepcopy(dict(static[0].get("config") or {}))
    paths: list[str] = []
    for report in static:
        for path in (report.get("config") or {}).get("paths") or []:
            if path not in paths:
                paths.append(path)
    if paths:
        config["paths"] = paths
    return config


def _provenance(report: Mapping[str, Any]) -> dict[str, Any]:
    return {"kind": report.get("kind", "static"), "generated_at": report.get("generated_at"),
            "tool_version": mapping(report.get("tool")).get("version"),
            "paths": mapping(report.get("config")).get("paths")}


def _baseline(inputs: list[dict[str, Any]], findings: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Stale entries of a shard may be matched in another shard: keep only those matched nowhere."""
    sections = [r["baseline"] for r in inputs if isinstance(r.get("baseline"), Mapping)]
    if not sections:
        return None
    accepted = {fingerprint(f) for f in findings if f.get("baselined")}
    stale: dict[str, dict[str, Any]] = {}
    for section in sections:
        for entry in section.get("stale") or []:
            if isinstance(entry, Mapping) and entry.get("fingerprint") not in accepted:
                stale.setdefault(str(entry.get("fingerprint")), dict(entry))
    return {"path": sections[0].get("path"), "entries": max(int(s.get("entries") or 0) for s in sections),
            "matched": sum(1 for f in findings if f.get("baselined")), "stale": list(stale.values())}


def _summary(inputs: list[dict[str, Any]], merged: Mapping[str, Any]) -> dict[str, Any]:
    findings = merged["findings"]
    files = {norm_path(f.get("path")) for f in findings} | {h["path"] for h in merged["handlers"]}
    analysed = sum(int((r.get("summary") or {}).get("files") or 0) for r in inputs if r.get("kind") != "runtime")
    return {
        "files": max(analysed, len(files - {""})),
        "handlers": len(merged["handlers"]),
        "violations": sum(1 for f in findings if f.get("severity") == VIOLATION),
        "warnings": sum(1 for f in findings if f.get("severity") == WARNING),
        "errors": sum(1 for f in findings if f.get("severity") == ERROR),
        "baselined": sum(1 for f in findings if f.get("baselined")),
        **({"requests": sum(int(r.get("count") or 0) for r in merged["routes"])} if merged.get("routes") else {}),
    }

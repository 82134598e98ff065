"""Merging per-process shards into one runtime report, and loading a report for the static checker.

Shards are summed per route and per finding (severity, method, route, handler); a finding keeps the
leaf and dominant stack of the shard that sampled it most. The merged document has the same shape as
a shard, without the `shard` flag, plus a `summary` that gives the rule's denominator: "0 of N
requests waited 60 s or more".
"""
from __future__ import annotations

import glob
import json
import os
from collections import Counter
from typing import Any, Iterable

from .shard import KIND, VERSION, tool

_SUMS = ("count", "total_wait_s", "warnings", "violations", "long_streams")


def _expand(paths: Iterable[str]) -> list[tuple[str, bool]]:
    """(file, explicit) pairs: a directory contributes its shards only, a file always counts."""
    out: list[tuple[str, bool]] = []
    for path in paths:
        path = os.fspath(path)
        if os.path.isdir(path):
            out.extend((f, False) for f in sorted(glob.glob(os.path.join(path, "*.json"))))
        else:
            out.append((path, True))
    return out


def _read(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        doc = json.load(handle)
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise ValueError(f"{path}: not a greenit-async-lint runtime report")
    if doc.get("version") != VERSION:
        raise ValueError(f"{path}: unsupported runtime report version {doc.get('version')!r}")
    return doc


def merge_shards(paths: Iterable[str]) -> dict[str, Any]:
    """Merge shard files (or directories of shards) into one report dict."""
    routes: dict[tuple, dict[str, Any]] = {}
    findings: dict[tuple, dict[str, Any]] = {}
    weights: dict[tuple, tuple] = {}
    run: dict[str, Any] = {"shards": 0, "pids": [], "skipped": [], "servers": set(), "frameworks": set()}
    selfstats: dict[str, Any] = {}
    dropped: Counter = Counter()
    for path, explicit in _expand(paths):
        try:
            doc = _read(path)
        except (OSError, ValueError) as exc:
            run["skipped"].append({"path": os.path.basename(path), "reason": str(exc)[:200]})
            continue
        if not explicit and not doc.get("shard"):
            continue  # a merged report lying next to its shards would count everything twice
        run["shards"] += 1
        info = doc.get("run", {})
        run["pids"].append(info.get("pid"))
        run["servers"].update(filter(None, [info.get("server")]))
        run["frameworks"].update(info.get("frameworks") or [])
        thresholds = info.get("thresholds")
        if thresholds:
            if "thresholds" not in run:
                run["thresholds"] = thresholds
            elif run["thresholds"] != thresholds:
                run["thresholds_differ"] = True
        for name, value in (doc.get("self") or {}).items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                selfstats[name] = selfstats.get(name, 0) + value
        dropped.update((doc.get("self") or {}).get("dropped") or {})
        for route in doc.get("routes", []):
            _merge_route(routes, route)
        for finding in doc.get("findings", []):
            _merge_finding(findings, weights, finding)
    run["servers"] = sorted(run["servers"])
    run["frameworks"] = sorted(run["frameworks"])
    return _report(run, routes, findings, selfstats, dict(dropped))


def _merge_route(routes: dict[tuple, dict[str, Any]], route: dict[str, Any]) -> None:
    key = (route.get("method"), route.get("route"))
    into = routes.get(key)
    if into is None:
        routes[key] = {**route, "histogram": dict(route.get("histogram") or {}),
                       "statuses": dict(route.get("statuses") or {})}
        return
    for name in _SUMS:
        into[name] = into.get(name, 0) + route.get(name, 0)
    for name in ("max_wait_s", "max_stream_s"):
        into[name] = max(into.get(name, 0), route.get(name, 0))
    for name in ("histogram", "statuses"):
        for bucket, n in (route.get(name) or {}).items():
            into[name][bucket] = into[name].get(bucket, 0) + n


def _merge_finding(findings: dict[tuple, dict], weights: dict[tuple, tuple], finding: dict[str, Any]) -> None:
    handler = finding.get("handler") or {}
    key = (finding.get("severity"), finding.get("method"), finding.get("route"), handler.get("qualname"), handler.get("path"))
    weight = (finding.get("samples", 0), finding.get("max_wait_s", 0))
    into = findings.get(key)
    if into is None:
        findings[key] = {**finding, "outcomes": dict(finding.get("outcomes") or {})}
        weights[key] = weight
        return
    count = into["count"] + finding.get("count", 0)
    shares = [(f.get("cpu_share"), f.get("count", 0)) for f in (into, finding) if f.get("cpu_share") is not None]
    if shares:
        into["cpu_share"] = round(sum(s * n for s, n in shares) / max(1, sum(n for _, n in shares)), 3)
    if weight > weights[key]:  # the leaf and stack of the shard that saw the most
        weights[key] = weight
        for name in ("leaf", "dominant_stack", "kind"):
            into[name] = finding.get(name)
    into["count"] = count
    into["samples"] = into.get("samples", 0) + finding.get("samples", 0)
    into["max_wait_s"] = max(into.get("max_wait_s", 0), finding.get("max_wait_s", 0))
    for outcome, n in (finding.get("outcomes") or {}).items():
        into["outcomes"][outcome] = into["outcomes"].get(outcome, 0) + n
    if finding.get("first_seen"):
        into["first_seen"] = min(filter(None, [into.get("first_seen"), finding["first_seen"]]))
    if finding.get("last_seen"):
        into["last_seen"] = max(filter(None, [into.get("last_seen"), finding["last_seen"]]))


def _report(run: dict, routes: dict, findings: dict, selfstats: dict, dropped: dict) -> dict[str, Any]:
    rank = {"violation": 0, "warning": 1, "loop-stall": 2}
    found = sorted(findings.values(), key=lambda f: (rank.get(f.get("severity"), 9), -f.get("max_wait_s", 0), f.get("route") or ""))
    route_list = sorted(routes.values(), key=lambda r: (r.get("route") or "", r.get("method") or ""))
    requests = sum(r.get("count", 0) for r in route_list)
    violations = sum(r.get("violations", 0) for r in route_list)
    thresholds = run.get("thresholds") or {}
    violation_s = thresholds.get("violation_s", 60)
    # Each finding carries the threshold it crossed, so the static report's wording can quote it.
    crossed = {"violation": "violation_s", "warning": "warn_s", "loop-stall": "loop_warn_s"}
    for finding in found:
        limit = thresholds.get(crossed.get(finding.get("severity"), ""))
        if isinstance(limit, (int, float)):
            finding["threshold_s"] = limit
    summary = {
        "requests": requests,
        "violations": violations,
        "warnings": sum(r.get("warnings", 0) for r in route_list),
        "loop_stalls": sum(f.get("count", 0) for f in found if f.get("severity") == "loop-stall"),
        "long_streams": sum(r.get("long_streams", 0) for r in route_list),
        "text": f"{violations} of {requests} requests waited {violation_s:g} s or more",
    }
    selfstats["dropped"] = dropped
    return {"kind": KIND, "version": VERSION, "tool": tool(), "run": run, "summary": summary,
            "routes": route_list, "findings": found, "self": selfstats}


def load_report(path: str) -> dict[str, Any]:
    """A merged report from a merged file, a single shard or a directory of shards.

    Raises OSError if it cannot be read and ValueError if it is not a runtime report.
    """
    if os.path.isdir(path):
        return merge_shards([path])
    doc = _read(path)
    return merge_shards([path]) if doc.get("shard") else doc

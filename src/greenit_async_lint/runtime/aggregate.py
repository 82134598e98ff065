"""The per-process aggregate: per-route totals with a duration histogram, and bounded findings.

Only the watchdog thread touches a Store (under watchdog.LOCK), so it needs no locking of its own.
It holds counts and small tuples, never request objects. Findings are keyed by severity, method,
route and handler; their stacks are counted so the report can name the dominant one.
"""
from __future__ import annotations

import copy
import time
from bisect import bisect_left
from collections import Counter
from typing import Any

from .config import RuntimeConfig
from .labels import Paths, label_leaf

BASE_BOUNDS = (0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 120.0)
MAX_FINDINGS = 1_000
MAX_ROUTES = 5_000
MAX_STACKS = 16  # distinct stacks kept per finding
_STATUS_CLASS = {n: f"{n}xx" for n in range(1, 6)}
SEVERITY_RANK = {"violation": 0, "warning": 1, "loop-stall": 2}


def bounds_for(config: RuntimeConfig) -> tuple[float, ...]:
    """Histogram upper bounds; the two thresholds are bounds too, so 'over 60 s' is exact."""
    return tuple(sorted(set(BASE_BOUNDS) | {config.warn_s, config.violation_s}))


def bound_key(bound: float) -> str:
    return "+Inf" if bound == float("inf") else f"{bound:g}"


class Store:
    def __init__(self, config: RuntimeConfig) -> None:
        self.config = config
        self.bounds = bounds_for(config)
        self.routes: dict[tuple[str, str], dict[str, Any]] = {}
        self.findings: dict[tuple, dict[str, Any]] = {}
        self.dropped = {"findings": 0, "routes": 0, "samples": 0}

    def copy(self) -> Store:
        return copy.deepcopy(self)

    def count(self, method: str, route: str, wait: float, stream: float, status: int) -> dict[str, Any] | None:
        """Count one request in its route's totals. Runs for every request served: it is most of the
        watchdog's work under load, hence plain comparisons and a bisect rather than max() and a scan."""
        key = (method, route)
        totals = self.routes.get(key)
        if totals is None:
            if len(self.routes) >= MAX_ROUTES:
                self.dropped["routes"] += 1
                return None
            totals = self.routes[key] = {
                "count": 0, "hist": [0] * (len(self.bounds) + 1), "max_wait_s": 0.0, "total_wait_s": 0.0,
                "warnings": 0, "violations": 0, "long_streams": 0, "max_stream_s": 0.0, "statuses": Counter(),
            }
        totals["count"] += 1
        totals["hist"][bisect_left(self.bounds, wait)] += 1  # the first bound >= wait: "wait <= bound"
        if wait > totals["max_wait_s"]:
            totals["max_wait_s"] = wait
        totals["total_wait_s"] += wait
        if stream > totals["max_stream_s"]:
            totals["max_stream_s"] = stream
            if stream >= self.config.warn_s:  # a long stream is reported, never a violation (M3)
                totals["long_streams"] += 1
        elif stream >= self.config.warn_s:
            totals["long_streams"] += 1
        if status:
            totals["statuses"][_STATUS_CLASS.get(status // 100) or f"{status // 100}xx"] += 1
        return totals

    def add_request(self, method: str, route: str, handler: dict | None, wait: float, stream: float,
                    status: int, outcome: str, kind: str, samples: list | None, cpu: float | None) -> None:
        totals = self.count(method, route, wait, stream, status)
        if totals is None:
            return
        severity = self.severity(wait)
        if severity is not None:
            totals["violations" if severity == "violation" else "warnings"] += 1
            self._finding(severity, method, route, handler, wait, outcome, kind, samples, cpu)

    def severity(self, wait: float) -> str | None:
        if wait >= self.config.violation_s:
            return "violation"
        if wait >= self.config.warn_s:
            return "warning"
        return None

    def add_stall(self, method: str, route: str, handler: dict | None, duration: float,
                  stack: tuple | None, kind: str, cpu: float | None, outcome: str) -> None:
        self._finding("loop-stall", method, route, handler, duration, outcome, kind,
                      [stack] if stack else None, cpu)

    def _finding(self, severity: str, method: str, route: str, handler: dict | None, wait: float,
                 outcome: str, kind: str, samples: list | None, cpu: float | None) -> None:
        key = (severity, method, route, (handler or {}).get("qualname"), (handler or {}).get("path"))
        finding = self.findings.get(key)
        now = time.time()
        if finding is None:
            if len(self.findings) >= MAX_FINDINGS:
                self.dropped["findings"] += 1
                return
            finding = self.findings[key] = {
                "severity": severity, "route": route, "method": method, "handler": handler, "count": 0,
                "max_wait_s": 0.0, "outcomes": Counter(), "kinds": Counter(), "stacks": Counter(),
                "samples": 0, "cpu": [], "first_seen": now,
            }
        finding["count"] += 1
        finding["max_wait_s"] = max(finding["max_wait_s"], wait)
        finding["outcomes"][outcome] += 1
        finding["kinds"][kind] += 1
        finding["last_seen"] = now
        if cpu is not None and len(finding["cpu"]) < 64:
            finding["cpu"].append(cpu)
        for stack in samples or ():
            finding["samples"] += 1
            if stack in finding["stacks"] or len(finding["stacks"]) < MAX_STACKS:
                finding["stacks"][stack] += 1
            else:
                self.dropped["samples"] += 1

    def routes_json(self) -> list[dict[str, Any]]:
        out = []
        for (method, route), t in sorted(self.routes.items(), key=lambda item: (item[0][1], item[0][0])):
            out.append({
                "route": route, "method": method, "count": t["count"],
                "histogram": {bound_key(b): n for b, n in zip(self.bounds + (float("inf"),), t["hist"])},
                "max_wait_s": round(t["max_wait_s"], 6), "total_wait_s": round(t["total_wait_s"], 6),
                "warnings": t["warnings"], "violations": t["violations"],
                "long_streams": t["long_streams"], "max_stream_s": round(t["max_stream_s"], 6),
                "statuses": dict(sorted(t["statuses"].items())),
            })
        return out

    def findings_json(self, paths: Paths, modules: dict[str, str], match: Any) -> list[dict[str, Any]]:
        out = []
        for f in self.findings.values():
            dominant = f["stacks"].most_common(1)[0][0] if f["stacks"] else None
            out.append({
                "severity": f["severity"], "route": f["route"], "method": f["method"], "handler": f["handler"],
                "count": f["count"], "max_wait_s": round(f["max_wait_s"], 6),
                "kind": f["kinds"].most_common(1)[0][0], "outcomes": dict(f["outcomes"]),
                "cpu_share": round(sum(f["cpu"]) / len(f["cpu"]), 3) if f["cpu"] else None,
                "samples": f["samples"],
                "leaf": label_leaf(dominant, paths, modules, match) if dominant else None,
                "dominant_stack": [
                    {"path": paths.rel(fn), "line": ln, "function": qn, "in_app": paths.in_app(fn)}
                    for fn, ln, qn in dominant or ()
                ],
                "first_seen": _iso(f["first_seen"]), "last_seen": _iso(f["last_seen"]),
            })
        out.sort(key=lambda f: (SEVERITY_RANK[f["severity"]], -f["max_wait_s"], f["route"]))
        return out


def _iso(stamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))

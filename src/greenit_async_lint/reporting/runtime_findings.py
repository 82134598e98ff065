"""Runtime-hook findings in the shape of static findings, so that one report can hold both.

A runtime report measures how long users really waited per handler (`count`, `max_wait_s`) and
names the dominant blocking call (`leaf`). Here each becomes a finding with `source: "runtime"`,
located at the handler, with the leaf as a one-step chain (so its fingerprint is handler + code
+ leaf call, stable across runs), and the measurement kept under `runtime`.

The runtime hook's findings carry no catalogue code; they get GAL301-GAL303 from rules/codes.yaml
(a `code` field is used when present). Loop stalls are warnings here: they block every request
on the event loop but are not, by themselves, a processing longer than a minute.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from . import practice
from .model import VIOLATION, WARNING, mapping, norm_path

def _runtime_rules() -> dict[str, dict[str, str]]:
    # The codes live with all the others in rules/codes.yaml (one rule, one place).
    from ..catalogue import default_catalogue

    codes = default_catalogue().codes
    return {code: {"name": codes[code].name, "summary": f"A request {codes[code].found}: {codes[code].why}",
                   "fix": codes[code].fix} for code in ("GAL301", "GAL302", "GAL303")}


RUNTIME_RULES: Final[dict[str, dict[str, str]]] = _runtime_rules()
_CODE_OF: Final = {"violation": "GAL301", "warning": "GAL302", "loop-stall": "GAL303"}
_SEVERITY_OF: Final = {"violation": VIOLATION, "warning": WARNING, "loop-stall": WARNING}


def to_finding(raw: Mapping[str, Any]) -> dict[str, Any]:
    """One runtime-hook finding as a report finding (source "runtime")."""
    kind = str(raw.get("severity") or "warning")
    code = str(raw.get("code") or _CODE_OF.get(kind, "GAL302"))
    handler = mapping(raw.get("handler"))
    path = norm_path(handler.get("path") or handler.get("file"))
    line = _int(handler.get("line"))
    # Without a resolved handler the route is the only identity the measurement has.
    unresolved = " ".join(str(p) for p in (raw.get("method"), raw.get("route") or "<unmatched>") if p)
    qualname = str(handler.get("qualname") or unresolved)
    ref = {"path": path, "line": line, "qualname": qualname}
    leaf = raw.get("leaf") if isinstance(raw.get("leaf"), Mapping) else None
    chain: list[dict[str, Any]] = []
    if leaf:
        call = str(leaf.get("call") or leaf.get("label") or "?")
        chain.append({"path": norm_path(leaf.get("path") or leaf.get("file")), "line": _int(leaf.get("line")), "call": call})
    measurement = {
        "kind": kind,
        "route": raw.get("route"),
        "method": raw.get("method"),
        "count": _int(raw.get("count"), 0),
        "max_wait_s": _seconds(raw),
    }
    if isinstance(raw.get("threshold_s"), (int, float)):  # the threshold the runtime report used
        measurement["threshold_s"] = float(raw["threshold_s"])
    return {
        "code": code,
        "name": RUNTIME_RULES.get(code, {}).get("name", code),
        "severity": _SEVERITY_OF.get(kind, WARNING),
        "path": path,
        "line": line,
        "column": 1,
        "message": message(qualname, measurement, chain),
        "handler": ref,
        "chain": chain,
        "source": "runtime",
        "runtime": measurement,
        "baselined": bool(raw.get("baselined")),
    }


def message(qualname: str, measurement: Mapping[str, Any], chain: list[dict[str, Any]]) -> str:
    """One line in the present tense: what was measured, where, and the call it was stuck in."""
    route = " ".join(str(p) for p in (measurement.get("method"), measurement.get("route")) if p)
    count = measurement.get("count") or 0
    wait = measurement.get("max_wait_s")
    waited = f" up to {wait:.1f} s" if isinstance(wait, (int, float)) else ""
    if measurement.get("kind") == "loop-stall":
        text = f"`{qualname}` stalls the event loop{waited} in {count} request(s)"
    else:
        limit = measurement.get("threshold_s")
        if not isinstance(limit, (int, float)) and measurement.get("kind") == "violation":
            limit = practice.THRESHOLD_SECONDS  # a report without thresholds: the practice's minute
        over = f" (over {limit:g} s)" if isinstance(limit, (int, float)) else ""
        text = f"`{qualname}` keeps {count} request(s) waiting{waited}{over} before the response starts"
    if route:
        text += f" on {route}"
    if chain:
        text += f"; slowest in `{chain[-1]['call']}` ({chain[-1]['path']}:{chain[-1]['line']})"
    return text


def runtime_summary(findings: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The handler's `runtime` field from its runtime findings: total count, longest wait, worst
    severity (loop stalls count as warnings)."""
    measured = [f["runtime"] for f in findings if isinstance(f.get("runtime"), Mapping)]
    if not measured:
        return None
    waits = [m["max_wait_s"] for m in measured if isinstance(m.get("max_wait_s"), (int, float))]
    severities = [f.get("severity") for f in findings]
    return {
        "count": sum(int(m.get("count") or 0) for m in measured),
        "max_wait_s": max(waits) if waits else None,
        "severity": VIOLATION if VIOLATION in severities else WARNING if WARNING in severities else None,
    }


def _seconds(raw: Mapping[str, Any]) -> float | None:
    if isinstance(raw.get("max_wait_s"), (int, float)):
        return float(raw["max_wait_s"])
    if isinstance(raw.get("max_wait_ms"), (int, float)):  # the research draft's unit
        return raw["max_wait_ms"] / 1000.0
    return None


def _int(value: object, default: int = 1) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default

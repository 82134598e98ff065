"""Turn the work a handler reaches into findings: severity, code, message and chain.

Severity follows practice 112: heavy work in the request path is a violation; bounded blocking
work is a warning in a sync handler and a violation in an `async def` handler (it stalls the event
loop for every request). A bounded call the handler awaits (an async client's) is a warning: the
event loop stays free, but the user waits for it as for a sync handler's call. Work carried by an
in-process background task is a warning: the user no longer waits, but the work still runs in the
web process.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Optional

from .handlers import Handler
from .effects import Effect, Hop

if TYPE_CHECKING:  # the catalogue is built while the summaries are made (engine._load)
    from ..catalogue import Catalogue, CodeInfo

SEVERITY_RANK = {"violation": 2, "warning": 1, "error": 3}
# high: the call is in the chain as resolved; medium: one hop of the chain was a guess (a subclass
# override found by class-hierarchy analysis, a registry entry); low: it runs only under a guard
# (guards.py) that makes it start-up, debug or retry work rather than every request's.
CONFIDENCE_RANK = {"low": 0, "medium": 1, "high": 2}


@dataclass
class Finding:
    """One piece of work reported in a handler: code, severity, place, message and chain."""

    code: str
    severity: str
    path: str
    line: int
    column: int
    message: str
    handler: Optional[Handler] = None
    chain: tuple[Hop, ...] = ()
    weight: str = ""
    leaf: str = ""
    fix: Optional[dict[str, Any]] = None
    extra: dict[str, Any] = field(default_factory=dict)
    confidence: str = "high"
    confidence_reason: str = ""  # why it is not high
    awaited: bool = False  # an awaited call (an async client's): the event loop stays free, the user waits


def confident(finding: Finding, minimum: str) -> bool:
    """Whether a finding is as sure as `minimum` asks (analysis errors always are)."""
    return CONFIDENCE_RANK.get(finding.confidence, 2) >= CONFIDENCE_RANK[minimum]


def _leaf_clause(effect: Effect, info: CodeInfo) -> str:
    clause = f"`{effect.leaf}` {info.found}"
    if effect.detail:
        clause += f" ({effect.detail})"
    if effect.loop:
        clause += f" in a loop over `{effect.loop}`"
    return clause


def message_for(effect: Effect, catalogue: Catalogue, is_async: bool) -> tuple[str, str]:
    """(code, message) for an effect: what was found, and why it breaks practice 112."""
    info = catalogue.codes[effect.code]
    clause = _leaf_clause(effect, info)
    if effect.via:
        code = catalogue.code_for(effect.via)
        via = catalogue.codes[code]
        return code, f"`{effect.via_call}` {via.found}, and {clause}: {via.why}"
    why = info.why
    if effect.awaited and is_async:
        why = f"it is awaited, so the event loop stays free, but the user still waits for it; {why}"
    elif effect.weight == "blocking" and is_async and effect.on_loop and "event loop" not in why:
        why = f"it blocks the event loop of this `async def` handler; {why}"
    return effect.code, f"{clause} in the request path: {why}"


def severity_for(effect: Effect, is_async: bool) -> Optional[str]:
    """The severity of an effect in a handler, or None when it does not matter there.

    `is_async`: the handler runs on an event loop."""
    if effect.in_thread:
        is_async = False  # a sync dependency: the user waits, the loop does not
    if effect.weight in ("poll", "per-row", "pending"):
        # A single status check or row write; only in a loop (a poll, a whole table) it counts. Pending
        # work waits for a caller's argument (cascades.py) that never came.
        return None
    if effect.scope == "async" and not (is_async and effect.on_loop):
        return None  # a sync DB query or file read is normal outside the event loop
    if effect.via == "in-process-background":
        # An awaited call's work runs elsewhere (another server, a child process): after the
        # response, the web process only waits for it, and competes with no request.
        return None if effect.awaited else "warning"
    if effect.weight == "heavy":
        return "violation"
    if is_async:
        if not effect.on_loop:
            return None  # handed to a thread (to_thread, run_in_executor): bounded, off the loop
        # Awaited, the call leaves the loop free, but the user still waits for it: as in a sync handler.
        return "warning" if effect.awaited else "violation"
    return "warning"


def handler_findings(handler: Handler, effects: Iterable[Effect], catalogue: Catalogue) -> list[Finding]:
    """One finding per call site in the handler and code: the worst severity, the shortest chain."""
    best: dict[tuple[str, int, int, str], tuple[tuple[bool, int, bool, bool, int], Finding]] = {}
    for effect in effects:
        severity = severity_for(effect, bool(handler.on_loop))
        if severity is None or not effect.chain:
            continue
        code, message = message_for(effect, catalogue, bool(handler.on_loop) and not effect.in_thread)
        first: Hop = effect.chain[0]
        guard = effect.guard
        if effect.retry and handler.on_loop and effect.on_loop and not effect.in_thread:
            guard = ""  # a blocking wait on the event loop stalls every request, retry or not
        if guard:
            message += f" (low confidence: {guard})"
        elif effect.guess:
            message += f" (medium confidence: {effect.guess})"
        confidence = "low" if guard else "medium" if effect.guess else "high"
        finding = Finding(code, severity, first.path, first.line, first.col, message, handler, effect.chain,
                          effect.weight, effect.leaf, confidence=confidence,
                          confidence_reason=guard or effect.guess, awaited=effect.awaited)
        key = (first.path, first.line, first.col, code)
        # What is sure wins over what is worse: a guarded path must not hide an unguarded one.
        rank = (not guard, SEVERITY_RANK[severity], effect.weight == "heavy", not effect.guess, -len(effect.chain))
        current = best.get(key)
        if current is None or rank > current[0]:
            best[key] = (rank, finding)
    return [entry[1] for entry in best.values()]


def verdict(findings: Iterable[Finding]) -> str:
    """heavy (breaks practice 112), blocking (bounded blocking work), or clean."""
    result = "clean"
    for finding in findings:
        if finding.severity == "violation" and finding.weight == "heavy":
            return "heavy"
        result = "blocking"
    return result


def chain_text(finding: Finding) -> str:
    return " -> ".join(hop.call for hop in finding.chain)

"""The in-flight registry: per-request records, the fast path that opens and closes them, and the guard.

The request thread only does O(1) work here: build a small record, put it in a dict, and at the end
pop it and append it to a queue. No locks, no I/O, no stack walks; dict and deque operations are
atomic under the GIL. Everything else (classification, aggregation, sampling, writing) happens on the
watchdog thread, which drains the queue.

Records hold only numbers, strings and short-lived references (the environ, scope or request, the
asyncio task) that are dropped when the request finishes, so nothing of the request outlives it.
"""
from __future__ import annotations

import logging
import threading
from threading import get_ident
from collections import deque
from contextvars import ContextVar
from time import perf_counter
from typing import Any, Callable

from .config import RuntimeConfig

log = logging.getLogger("greenit_async_lint.runtime")

MAX_INFLIGHT = 10_000  # beyond this, requests are only counted as dropped
MAX_FINISHED = 100_000  # finished records waiting for the watchdog; a stuck watchdog cannot eat memory

Resolver = Callable[[Any], "tuple[Any, Any]"]


class Record:
    """One HTTP request while it is measured. Times are perf_counter() seconds.

    Rarely-set fields are class-level defaults: the request thread assigns only six attributes,
    which is measurably cheaper than filling twenty slots on every request.
    """

    t_headers = 0.0  # 0.0 until the response starts: the client is still waiting
    t_body_end = 0.0
    t_end = 0.0
    route: Any = None
    handler: Any = None
    status = 0
    outcome: str | None = None
    task: Any = None
    loop: Any = None
    workers: list[int] | None = None  # thread-pool threads running this request's sync code
    kind = "sync-thread"
    samples: list[tuple] | None = None
    sample_at = 0.0
    cpu: list[float] | None = None

    def __init__(self, env: Any, method: str, resolve: Resolver | None, framework: str) -> None:
        self.tid = get_ident()
        self.t0 = perf_counter()
        self.env = env
        self.resolve = resolve
        self.method = method
        self.framework = framework


class State:
    """Process-wide switches and self-metrics; reset in a forked child."""

    def __init__(self) -> None:
        self.config = RuntimeConfig(enabled=False)
        self.active = False  # enabled, configured and the breaker not tripped
        self.configured = False
        self.errors = 0
        self.tripped = False
        self.trips = 0  # how often the circuit breaker tripped in this process (it re-arms)
        self.wanted_dir = ""  # the report folder asked for, absolute, before any fallback
        self.logged: set[str] = set()
        self.dropped = {"inflight": 0, "finished": 0, "findings": 0, "samples": 0, "frames": 0}
        self.samples_taken = 0
        self.watchdog_running = False


STATE = State()
INFLIGHT: dict[int, Record] = {}
FINISHED: deque[Record] = deque()
STALLS: deque[tuple] = deque()  # finished event-loop stalls, appended by the loop heartbeat
CURRENT: ContextVar[Record | None] = ContextVar("greenit_runtime_record", default=None)
ENV_KEY = "greenit_async_lint.runtime"  # set in a WSGI environ the hook measures (see wsgi.py)

# Set by watchdog.py: called the first time a request arrives in a process (lazy, per pid).
_on_first_request: Callable[[], None] = lambda: None


def internal_error(where: str, exc: BaseException) -> None:
    """Count a failure of the hook itself; log the first of each kind; trip the breaker at the cap.

    A tripped breaker makes the hook a pass-through for `breaker_cooldown_s`, then re-arms it: a
    transient fault (a full disk, a framework upgrade mid-deploy) must not end measurement for good.
    """
    try:
        STATE.errors += 1
        if where not in STATE.logged:
            STATE.logged.add(where)
            log.warning("greenit runtime hook failed in %s (the request is unaffected)", where, exc_info=exc)
        if STATE.errors >= STATE.config.max_errors and not STATE.tripped:
            STATE.tripped = True
            STATE.trips += 1
            STATE.active = False
            cooldown = STATE.config.breaker_cooldown_s
            log.warning("greenit runtime hook disabled after %d internal errors (trip %d); it re-arms in %g s",
                        STATE.errors, STATE.trips, cooldown)
            timer = threading.Timer(cooldown, rearm)
            timer.daemon = True
            timer.start()
    except Exception:  # logging itself failed: still never raise into the application
        pass


def rearm() -> None:
    """End a breaker's cool-down: count errors from zero and measure again (if still enabled)."""
    try:
        if STATE.tripped:
            STATE.tripped = False
            STATE.errors = 0
            STATE.active = STATE.config.enabled and STATE.configured
            log.warning("greenit runtime hook re-armed after its cool-down (tripped %d times so far)", STATE.trips)
    except Exception:
        pass


def begin(env: Any, method: str, resolve: Resolver | None, framework: str) -> Record:
    """Open a record for a request entering now (request thread; must stay cheap)."""
    if not STATE.watchdog_running:
        _on_first_request()
    rec = Record(env, method, resolve, framework)
    if len(INFLIGHT) < MAX_INFLIGHT:
        INFLIGHT[id(rec)] = rec
    else:
        STATE.dropped["inflight"] += 1
    return rec


def finish(rec: Record, outcome: str | None = None) -> None:
    """Close a record: stop its clock, resolve its route while the request objects exist, queue it."""
    if rec.t_end:  # closed twice (a server calling close() again): count it once
        return
    rec.t_end = now = perf_counter()
    if not rec.t_body_end and rec.t_headers:
        rec.t_body_end = now
    INFLIGHT.pop(id(rec), None)
    if outcome is not None and rec.outcome is None:
        rec.outcome = outcome
    try:
        if rec.route is None and rec.handler is None:
            resolve_now(rec)
    finally:
        rec.env = None  # never keep the request alive past its end
        if rec.task is not None:  # (only async records have one: no instance slot for the rest)
            rec.task = None
    if len(FINISHED) < MAX_FINISHED:
        FINISHED.append(rec)
    else:
        STATE.dropped["finished"] += 1


def resolve_now(rec: Record) -> None:
    """Ask the framework adapter for the route and handler objects (guarded: user code may run)."""
    if rec.resolve is None or rec.env is None:
        return
    try:
        route, handler = rec.resolve(rec.env)
        if route is not None:
            rec.route = route
        if handler is not None:
            rec.handler = handler
    except Exception as exc:
        internal_error("route resolution", exc)


def outcome_of(exc: BaseException) -> str:
    """Name how a request ended when the app raised; SystemExit is gunicorn aborting the worker."""
    if isinstance(exc, (SystemExit, KeyboardInterrupt)):
        return "server_killed"
    name = type(exc).__name__
    if name == "CancelledError":
        return "client_disconnected"
    return f"exception:{name}"


def reset_after_fork() -> None:
    """In a forked child the parent's requests and counters are not ours: start clean."""
    INFLIGHT.clear()
    FINISHED.clear()
    STALLS.clear()
    STATE.watchdog_running = False
    STATE.samples_taken = 0
    if STATE.tripped:  # the parent's cool-down timer did not survive the fork
        rearm()
    STATE.dropped = dict.fromkeys(STATE.dropped, 0)

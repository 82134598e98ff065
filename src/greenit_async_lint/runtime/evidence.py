"""What the watchdog does with what it saw: the aggregate, in-flight snapshots and the shard write.

A mixin of the Watchdog (watchdog.py), kept apart so each module stays readable: this half runs
for every finished request (`drain`, the watchdog's main cost under load) and at each write.
"""
from __future__ import annotations

import functools
from time import perf_counter
from typing import Any

from . import loop as loops
from . import registry
from .aggregate import Store
from .labels import cached_matcher, describe_handler, load_matcher
from .registry import FINISHED, INFLIGHT, STALLS, STATE, Record
from .routes import route_text


def _lock() -> Any:
    from .watchdog import LOCK  # replaced after fork by control.py: read it when needed

    return LOCK


class Evidence:
    """Needs from the Watchdog: store, names, paths, output, started, start_ns, lag_max and the
    dirty/evidence/flushed/last_write/next_flush flags (set in Watchdog.__init__)."""

    store: Store | None
    names: dict[Any, tuple[Any, Any]]
    paths: Any
    output: Any
    started: float
    start_ns: int
    lag_max: float
    dirty: bool
    evidence: bool
    flushed: bool
    last_write: str | None
    next_flush: float

    # -- aggregation ----------------------------------------------------------------------------
    def get_store(self) -> Store:
        if self.store is None or self.store.config is not STATE.config:
            if self.store is None or self.store.config.thresholds() != STATE.config.thresholds():
                self.store = Store(STATE.config)
            else:
                self.store.config = STATE.config
        return self.store

    def drain(self) -> None:
        store = self.get_store()
        if FINISHED:
            self.dirty = True
        add, pop = self.add_record, FINISHED.popleft
        while FINISHED:
            add(store, pop(), None)
        while STALLS:
            pending, late = STALLS.popleft()
            self.add_stall(store, pending, late, "completed")
            self.dirty = True
        if store.findings:
            self.evidence = True

    def add_record(self, store: Store, rec: Record, now: float | None) -> None:
        config = store.config
        route = route_text(rec.route)
        if (config.exclude_methods and rec.method in config.exclude_methods) or (
                config.exclude_routes and route in config.exclude_routes):
            return
        end = rec.t_headers or (now if now is not None else rec.t_end)
        stream = rec.t_body_end - rec.t_headers if rec.t_headers and rec.t_body_end > rec.t_headers else 0.0
        wait = end - rec.t0
        if wait < config.warn_s:  # nearly every request: counted, nothing to name
            store.count(rec.method, route, wait, stream, rec.status)
            return
        cpu = None
        if rec.cpu is not None and rec.cpu[4] - rec.cpu[2] >= 0.05:
            cpu = min(1.0, (rec.cpu[3] - rec.cpu[1]) / (rec.cpu[4] - rec.cpu[2]))
        outcome = rec.outcome or ("in_flight" if now is not None else "completed")
        store.add_request(rec.method, route, self.describe(rec.handler, rec.method), wait, stream,
                          rec.status, outcome, rec.kind, rec.samples, cpu)

    def add_stall(self, store: Store, pending: dict | None, late: float, outcome: str) -> None:
        if pending is None:
            return
        route = route_text(pending["route"]) if pending["route"] != "<unattributed>" else "<unattributed>"
        store.add_stall(pending["method"], route, self.describe(pending["handler"], pending["method"]), late,
                        pending["stack"] or None, pending["kind"], None, outcome)

    def describe(self, handler: Any, method: str) -> dict | None:
        if handler is None:
            return None
        key = (id(handler), method)
        hit = self.names.get(key)
        if hit is None or hit[0] is not handler:
            if len(self.names) > 2000:
                self.names.clear()
            hit = self.names[key] = (handler, describe_handler(handler, method, self.paths))
        return hit[1]

    # -- reports --------------------------------------------------------------------------------
    def snapshot_store(self) -> Store:
        """The aggregate plus, provisionally, requests and stalls still in progress right now."""
        now = perf_counter()
        store = self.get_store().copy()
        for rec in list(INFLIGHT.values()):
            if not rec.t_headers and now - rec.t0 >= store.config.warn_s:
                if rec.env is not None:
                    registry.resolve_now(rec)
                self.add_record(store, rec, now)
        for monitor in list(loops.MONITORS.values()):
            segment = monitor.segment
            if segment is not None:
                self.add_stall(store, segment, now - segment["start"], "in_flight")
        return store

    def selfstats(self) -> dict[str, Any]:
        return {
            "internal_errors": STATE.errors, "breaker_tripped": STATE.tripped,
            "breaker_trips": STATE.trips, "samples_taken": STATE.samples_taken, "inflight": len(INFLIGHT),
            "watchdog_lag_max_s": round(self.lag_max, 6), "failed_writes": self.output.failed_total,
            "dropped": {**STATE.dropped, **self.get_store().dropped},
        }

    def document(self, wait_for_labels: bool = True) -> dict[str, Any]:
        """The shard as it would be written now (also what `control.snapshot()` returns in memory mode).

        A periodic write does not wait for the catalogue (the watchdog would stop watching for half
        a second); its leaf calls are named but not classified until the catalogue is loaded.
        """
        from .shard import build

        match = load_matcher() if wait_for_labels else cached_matcher()
        with _lock():
            self.drain()
            return build(self.snapshot_store(), STATE.config, self.paths, self.started, self.selfstats(), match)

    def write(self, periodic: bool = False) -> str | None:
        """Write this process's shard now (atomic), in the best writable folder; else keep it in memory."""
        from .shard import shard_name, write_atomic

        lock = _lock()
        if not lock.acquire(timeout=2.0):
            return None
        try:
            now = perf_counter()
            document = functools.partial(self.document, wait_for_labels=not periodic)
            path = self.output.write(STATE.config, STATE.wanted_dir, shard_name(self.start_ns), document, write_atomic, now)
            self.last_write = path
            if path is None:
                self.next_flush = self.output.retry_at  # back off: no attempt per tick on a read-only disk
                return None
            self.dirty = False
            self.flushed = True
            self.next_flush = now + STATE.config.flush_s
            return path
        finally:
            lock.release()

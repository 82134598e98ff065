"""The watchdog thread: one per process, started lazily, that turns records into evidence.

Every `tick_s` it drains finished requests and loop stalls into the aggregate, looks at requests
still waiting for their response and samples the stack of those past `warn_s` (then every
`sample_every_s`, at most `max_samples`, within a process-wide sampling budget), checks event-loop
heartbeats, and writes the shard every `flush_s`. It is the only thread that does file I/O.
"""
from __future__ import annotations

import asyncio
import functools
import threading
import time
from time import perf_counter
from typing import Any

from . import loop as loops
from . import registry
from .aggregate import Store
from .labels import Paths, cached_matcher, describe_handler, load_matcher
from .output import Output
from .registry import FINISHED, INFLIGHT, STALLS, STATE, Record, internal_error
from .routes import handler_code, route_text
from .sampling import contains_code, sample_task, sample_thread, task_running, thread_cpu_s

LOCK = threading.RLock()  # guards the Store: the watchdog, and an emergency flush from a signal handler
BUCKET_SIZE = 8.0


class Watchdog:
    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.store: Store | None = None
        self.started = time.time()
        self.start_ns = time.time_ns()
        self.wake = threading.Event()
        self.waiters: list[threading.Event] = []
        self.tokens = BUCKET_SIZE
        self.token_t = perf_counter()
        self.last_tick = 0.0
        self.lag_max = 0.0
        self.dirty = False
        self.next_flush = 0.0
        self.names: dict[Any, tuple[Any, Any]] = {}
        self.paths = Paths(STATE.config.root)
        self.output = Output()
        self.evidence = False  # a warning, violation or stall seen (finished or still running)
        self.flushed = False  # a shard has been written by this process
        self.last_write: str | None = None  # path of the last write, None when it stayed in memory

    # -- thread ---------------------------------------------------------------------------------
    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="greenit-runtime-watchdog", daemon=True)
        self.thread.start()

    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def _run(self) -> None:
        if STATE.config.sampling:
            cached_matcher()  # parse the catalogue now, on a side thread, not in the first write
        self.next_flush = perf_counter() + STATE.config.flush_s
        while True:
            tick = STATE.config.tick_s
            self.wake.wait(tick)
            self.wake.clear()
            now = perf_counter()
            if self.last_tick:
                self.lag_max = max(self.lag_max, now - self.last_tick - tick)
            self.last_tick = now
            try:
                self.tick(now)
                waiters, self.waiters = self.waiters, []
                # The first evidence is written at once (a worker SIGKILLed before its first periodic
                # flush left nothing); later ones every flush_s, or on the output's backoff.
                early = self.evidence and not self.flushed and self.output.due(now)
                if waiters or early or (self.dirty and now >= self.next_flush):
                    self.write(periodic=not waiters)
                for event in waiters:
                    event.set()
            except Exception as exc:  # a failing tick must not kill evidence collection for good
                internal_error("watchdog", exc)

    # -- one tick -------------------------------------------------------------------------------
    def tick(self, now: float) -> None:
        with LOCK:
            self.drain()
        config = STATE.config
        for rec in list(INFLIGHT.values()):
            if rec.t_headers or now - rec.t0 < config.warn_s:
                continue
            self.dirty = self.evidence = True
            if rec.task is not None and not rec.workers and not rec.samples:
                # Named before any sample (sampling may be off or over budget): an async request's
                # own warning is never `sync-thread`.
                rec.kind = "async-blocking-loop" if self.task_holds_loop(rec) else "async-awaiting"
            if rec.cpu is not None:
                cpu = thread_cpu_s(int(rec.cpu[0]))
                if cpu is not None:
                    rec.cpu[3], rec.cpu[4] = cpu, now
            if config.sampling and rec.sample_at <= now and len(rec.samples or ()) < config.max_samples:
                if self.take_token(now):
                    self.sample(rec, now)
                else:
                    STATE.dropped["samples"] += 1
        self.check_loops(now)

    def take_token(self, now: float) -> bool:
        rate = max(1.0, 1.0 / STATE.config.sample_every_s)
        self.tokens = min(BUCKET_SIZE, self.tokens + (now - self.token_t) * rate)
        self.token_t = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def sample(self, rec: Record, now: float) -> None:
        """One sample of whatever runs this request: its thread, its pool thread or its loop."""
        tid: int | None = rec.tid
        loop_stack: tuple | None = None
        if rec.workers and rec.task is not None:
            # Django under ASGI with a sync middleware: the marked thread may only be waiting in
            # async_to_sync while the async view runs back on the loop (in another task). The
            # handler's own code on the loop thread's stack says the request holds the loop.
            loop_stack, loop_cut = sample_thread(rec.tid)
            if rec.env is not None:
                registry.resolve_now(rec)
            if not contains_code(loop_stack, handler_code(rec.handler)):
                loop_stack = None
        if loop_stack is not None:
            rec.kind, stack, cut = "async-blocking-loop", loop_stack, loop_cut
        elif rec.workers:
            # A `def` endpoint's pool thread may register after an early sample saw the request
            # awaiting on the loop (the hop to the pool is slow under load): the latest sample wins.
            rec.kind = "sync-thread"
            tid = rec.workers[-1]
            stack, cut = sample_thread(tid)
        elif rec.task is not None:
            stack, cut = sample_thread(rec.tid)
            if self.holds_loop(rec, stack):
                rec.kind = "async-blocking-loop"
            else:
                stack, cut, tid = sample_task(rec.task), False, None
                # Awaiting after a pool thread or a loop-blocking stretch (between the pool's return
                # and the response, say) does not make the request an awaiting one: keep the label
                # earned by what kept the user waiting.
                if not (rec.samples and rec.kind in ("sync-thread", "async-blocking-loop")):
                    rec.kind = "async-awaiting"
        else:
            stack, cut = sample_thread(rec.tid)
        STATE.samples_taken += 1
        STATE.dropped["frames"] += cut
        if rec.samples is None:
            rec.samples = []
        rec.samples.append(stack)
        rec.sample_at = now + STATE.config.sample_every_s
        if tid is not None and rec.cpu is None:
            cpu = thread_cpu_s(tid)
            if cpu is not None:
                rec.cpu = [float(tid), cpu, now, cpu, now]

    @staticmethod
    def task_holds_loop(rec: Record) -> bool:
        """Is this async request's task the one executing on its loop right now?"""
        monitor = rec.loop
        loop = monitor.loop() if monitor is not None else None
        try:
            return loop is not None and asyncio.current_task(loop) is rec.task and task_running(rec.task)
        except Exception:
            return False

    def holds_loop(self, rec: Record, stack: tuple) -> bool:
        """Is this async request the code running on its loop right now (by task, else by stack)?"""
        if self.task_holds_loop(rec):
            return True
        registry.resolve_now(rec) if rec.env is not None else None
        return contains_code(stack, handler_code(rec.handler))

    def check_loops(self, now: float) -> None:
        config = STATE.config
        for monitor in list(loops.MONITORS.values()):
            monitor.check(now, config.loop_warn_s, self.sample_loop, self.attribute_stall)
            if monitor.segment is not None:
                self.dirty = self.evidence = True
        if len(loops.MONITORS) > 8:
            loops.prune()

    def sample_loop(self, monitor: loops.LoopMonitor) -> tuple:
        return sample_thread(monitor.tid)[0] if STATE.config.sampling else ()

    def attribute_stall(self, monitor: loops.LoopMonitor, task: Any, stack: tuple) -> dict[str, Any]:
        """The in-flight request whose task holds the loop (by task, else by its handler on the stack)."""
        candidates = [r for r in list(INFLIGHT.values()) if r.loop is monitor and r.task is not None]
        owner = next((r for r in candidates if task is not None and r.task is task and not r.workers), None)
        if owner is None:
            owner = next((r for r in candidates if self.holds_loop(r, stack)), None)
        if owner is not None and owner.env is not None:
            registry.resolve_now(owner)
        return {
            "method": owner.method if owner else "", "route": owner.route if owner else "<unattributed>",
            "handler": owner.handler if owner else None, "kind": "async-blocking-loop",
        }

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
        with LOCK:
            self.drain()
            return build(self.snapshot_store(), STATE.config, self.paths, self.started, self.selfstats(), match)

    def write(self, periodic: bool = False) -> str | None:
        """Write this process's shard now (atomic), in the best writable folder; else keep it in memory."""
        from .shard import shard_name, write_atomic

        if not LOCK.acquire(timeout=2.0):
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
            LOCK.release()

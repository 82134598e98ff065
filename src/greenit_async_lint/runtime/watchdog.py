"""The watchdog thread: one per process, started lazily, that turns records into evidence.

Every `tick_s` it drains finished requests and loop stalls into the aggregate, looks at requests
still waiting for their response and samples the stack of those past `warn_s` (then every
`sample_every_s`, at most `max_samples`, within a process-wide sampling budget), checks event-loop
heartbeats, and writes the shard every `flush_s`. It is the only thread that does file I/O.
What it does with finished requests and stalls, and how a shard is written: evidence.py.
"""
from __future__ import annotations

import asyncio
import threading
import time
from time import perf_counter
from typing import Any

from . import loop as loops
from . import registry
from .aggregate import Store
from .evidence import Evidence
from .labels import Paths, cached_matcher
from .output import Output
from .registry import INFLIGHT, STATE, Record, internal_error
from .routes import handler_code
from .sampling import contains_code, sample_task, sample_thread, task_running, thread_cpu_s

LOCK = threading.RLock()  # guards the Store: the watchdog, and an emergency flush from a signal handler
BUCKET_SIZE = 8.0


class Watchdog(Evidence):
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

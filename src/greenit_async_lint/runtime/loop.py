"""Event-loop heartbeats: how long an `async def` handler held its loop, and which one did.

Each loop that serves a request gets a heartbeat (`call_later` every `heartbeat_s`) that stamps when
it ran and when it is next due. The watchdog thread calls `check()` every tick: it notes which task
the loop is running, and while the heartbeat is overdue it cuts the blocked time into **segments**,
one per task that held the loop. A segment is opened (stack sampled, request attributed) once it has
lasted `loop_warn_s`; it is closed when another task takes the loop without the heartbeat running in
between (back-to-back stalls of two handlers are two stalls, each charged to its own handler), or
when the heartbeat finally runs.

A segment starts when the loop was last seen free or, when the watchdog saw its task arrive, halfway
between the tick that saw it and the tick before; it ends when the heartbeat runs (exact) or halfway
to the tick that saw the next task. Each stall is thus measured to within one watchdog tick (half a
heartbeat), not cut short by the heartbeat's period as a plain "how late was the beat" would be.

A stall the watchdog did not see while it happened (the loop was stopped, e.g. between two test
client calls) is never reported: a stopped loop is not a blocked one.
"""
from __future__ import annotations

import threading
import weakref
from asyncio import current_task
from time import perf_counter
from typing import Any, Callable

from .registry import STALLS, STATE, internal_error

MAX_LOOPS = 64
Sampler = Callable[["LoopMonitor"], tuple]
Attributor = Callable[["LoopMonitor", Any, tuple], dict]


class LoopMonitor:
    __slots__ = ("loop_ref", "tid", "interval", "due", "last", "lock", "seen_task", "seen_since",
                 "checked", "segment", "__weakref__")

    def __init__(self, loop: Any, interval: float) -> None:
        self.loop_ref = weakref.ref(loop)
        self.tid = threading.get_ident()
        self.interval = interval
        self.last = perf_counter()  # when the heartbeat last ran: the loop was free then
        self.due = self.last + interval
        self.lock = threading.Lock()  # the heartbeat (loop thread) against check() (watchdog)
        self.seen_task: Any = None  # the task the watchdog saw running on the loop at its last check
        self.seen_since = self.last  # best estimate of when that task took the loop
        self.checked = self.last  # time of the watchdog's last check
        self.segment: dict[str, Any] | None = None  # the open stall: attribution, stack, start, task
        loop.call_later(interval, self._beat)

    def _beat(self) -> None:
        try:
            with self.lock:
                now = perf_counter()
                segment, self.segment = self.segment, None
                if segment is not None:
                    segment.pop("task", None)  # a queued stall keeps no task alive
                    STALLS.append((segment, now - segment["start"]))
                self.last = now
                self.due = now + self.interval
            loop = self.loop_ref()
            if loop is not None and not loop.is_closed():
                loop.call_later(self.interval, self._beat)
        except Exception as exc:
            internal_error("loop heartbeat", exc)

    def loop(self) -> Any:
        return self.loop_ref()

    def running(self) -> bool:
        loop = self.loop_ref()
        return loop is not None and not loop.is_closed() and loop.is_running()

    def overdue(self, now: float) -> float:
        """Seconds the heartbeat is late while its loop runs; 0 for stopped or closed loops."""
        return max(0.0, now - self.due) if self.running() else 0.0

    def check(self, now: float, threshold: float, sample: Sampler, attribute: Attributor) -> None:
        """One watchdog look at this loop (watchdog thread): follow the holder, cut and open stalls."""
        loop = self.loop_ref()
        if loop is None or loop.is_closed() or not loop.is_running():
            self.seen_task, self.checked = None, now
            return
        with self.lock:
            task = current_task(loop)
            if task is not self.seen_task:
                # The loop moved on between the previous check and this one: split the difference.
                boundary = max(self.last, (self.checked + now) / 2)
                segment = self.segment
                if segment is not None and segment["task"] is not task:
                    self.segment = None  # back-to-back: the first holder's stall ends here
                    segment.pop("task", None)
                    if boundary - segment["start"] >= threshold:
                        STALLS.append((segment, boundary - segment["start"]))
                self.seen_task, self.seen_since = task, boundary
            self.checked = now
            if now <= self.due or self.segment is not None:
                return
            start = max(self.last, self.seen_since)
            if now - start < threshold:
                return
            stack = sample(self)
            segment = attribute(self, task, stack)
            segment.update(start=start, task=task, stack=stack)
            self.segment = segment


MONITORS: dict[int, LoopMonitor] = {}


def ensure_monitor(loop: Any) -> LoopMonitor:
    """The heartbeat of the running loop, installed on first use (call on the loop's own thread)."""
    monitor = MONITORS.get(id(loop))
    if monitor is None or monitor.loop_ref() is not loop:
        if len(MONITORS) >= MAX_LOOPS:
            prune()
        monitor = MONITORS[id(loop)] = LoopMonitor(loop, STATE.config.heartbeat_s)
    return monitor


def prune() -> None:
    """Forget loops that are gone or closed (pytest and test clients create many)."""
    for key, monitor in list(MONITORS.items()):
        loop = monitor.loop_ref()
        if loop is None or loop.is_closed():
            MONITORS.pop(key, None)

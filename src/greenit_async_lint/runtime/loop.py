"""Event-loop heartbeats: how long an `async def` handler held its loop, and which one did.

Each loop that serves a request gets a heartbeat (`call_later` every `heartbeat_s`) that stamps when
it is next due. The watchdog thread sees a heartbeat overdue by more than `loop_warn_s` while the
loop is running, samples the loop thread once and attributes the stall to the in-flight request
that holds the loop; when the heartbeat finally runs, it measures the whole stall and queues it.
A stall the watchdog did not see while it happened (the loop was stopped, e.g. between two test
client calls) is never reported: a stopped loop is not a blocked one.
"""
from __future__ import annotations

import threading
import weakref
from time import perf_counter
from typing import Any

from .registry import STALLS, STATE, internal_error

MAX_LOOPS = 64


class LoopMonitor:
    __slots__ = ("loop_ref", "tid", "interval", "due", "flagged", "pending", "__weakref__")

    def __init__(self, loop: Any, interval: float) -> None:
        self.loop_ref = weakref.ref(loop)
        self.tid = threading.get_ident()
        self.interval = interval
        self.due = perf_counter() + interval
        self.flagged = 0.0  # `due` of the stall the watchdog has seen and sampled
        self.pending: dict[str, Any] | None = None  # attribution made by the watchdog for that stall
        loop.call_later(interval, self._beat)

    def _beat(self) -> None:
        try:
            now = perf_counter()
            late = now - self.due
            if self.flagged == self.due and late >= STATE.config.loop_warn_s:
                STALLS.append((self.pending, late))
            self.pending = None
            self.due = now + self.interval
            loop = self.loop_ref()
            if loop is not None and not loop.is_closed():
                loop.call_later(self.interval, self._beat)
        except Exception as exc:
            internal_error("loop heartbeat", exc)

    def loop(self) -> Any:
        return self.loop_ref()

    def overdue(self, now: float) -> float:
        """Seconds the heartbeat is late while its loop runs; 0 for stopped or closed loops."""
        loop = self.loop_ref()
        if loop is None or loop.is_closed() or not loop.is_running():
            return 0.0
        return max(0.0, now - self.due)


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

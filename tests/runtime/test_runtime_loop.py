"""Event-loop stalls, in process: a fake loop and a fake clock drive the heartbeat and the watchdog's
checks tick by tick, so the cut between back-to-back stalls and each stall's length are exact."""
from __future__ import annotations

import asyncio
import json
import time

import pytest

from greenit_async_lint.runtime import ASGIMiddleware, control, registry
from greenit_async_lint.runtime import loop as loops

THRESHOLD, HEARTBEAT, TICK = 0.2, 0.1, 0.05


class FakeLoop:
    def __init__(self) -> None:
        self.running, self.task, self.timers = True, None, []

    def call_later(self, delay, callback):
        self.timers.append(callback)

    def is_closed(self):
        return False

    def is_running(self):
        return self.running


@pytest.fixture
def rig(monkeypatch, fresh_runtime):
    now = [100.0]
    loop = FakeLoop()
    monkeypatch.setattr(loops, "perf_counter", lambda: now[0])
    monkeypatch.setattr(loops, "current_task", lambda the_loop: the_loop.task)
    with control.watchdog_module.LOCK:
        registry.STALLS.clear()
    monitor = loops.LoopMonitor(loop, HEARTBEAT)

    def at(t: float) -> None:
        now[0] = 100.0 + t

    def check(t: float) -> None:
        at(t)
        monitor.check(now[0], THRESHOLD, lambda m: (("app.py", 7, loop.task),),
                      lambda m, task, stack: {"owner": task})

    def beat(t: float) -> None:
        at(t)
        monitor._beat()

    return loop, check, beat


def stalls() -> list[tuple[str, float]]:
    with control.watchdog_module.LOCK:
        out = [(segment["owner"], round(length, 6)) for segment, length in registry.STALLS]
        registry.STALLS.clear()
    return out


def ticks(start: float, stop: float):
    count = round((stop - start) / TICK)
    return [round(start + i * TICK, 6) for i in range(count + 1)]


def test_back_to_back_stalls_are_cut_where_the_loop_changed_hands_and_charged_to_each_holder(rig):
    loop, check, beat = rig
    beat(0.10)  # the loop is free at 0.10; A takes it at 0.12 and holds it to 0.72; B then to 1.33
    check(0.10)
    loop.task = "A"
    for t in ticks(0.15, 0.70):
        check(t)
    loop.task = "B"
    for t in ticks(0.75, 1.30):
        check(t)
    loop.task = None
    beat(1.33)  # the heartbeat finally runs: B's stall ends exactly here
    (a, a_len), (b, b_len) = stalls()
    assert (a, b) == ("A", "B")
    # A: 0.125 (halfway between the checks at 0.10 and 0.15) to 0.725; B: 0.725 to 1.33.
    assert a_len == pytest.approx(0.6) and b_len == pytest.approx(0.605)
    assert abs(a_len - 0.60) <= TICK and abs(b_len - 0.61) <= TICK  # within one tick, half a heartbeat


def test_a_stall_is_measured_from_when_the_loop_was_last_free_not_from_the_missed_beat(rig):
    loop, check, beat = rig
    beat(0.10)
    loop.task = "A"  # takes the loop right after the beat
    for t in ticks(0.10, 0.55):
        check(t)
    loop.task = None
    beat(0.60)
    # The beat was due at 0.20 and ran 0.40 late; the loop was held 0.50 (from 0.10).
    assert stalls() == [("A", 0.5)]


def test_short_holds_and_a_stopped_loop_are_not_stalls(rig):
    loop, check, beat = rig
    beat(0.10)
    loop.task = "A"
    for t in ticks(0.15, 0.25):  # held 0.15 s: under the threshold
        check(t)
    loop.task = "B"
    for t in ticks(0.30, 0.35):
        check(t)
    beat(0.36)
    loop.running, loop.task = False, None  # a test client between two calls: stopped, not blocked
    for t in ticks(0.40, 2.0):
        check(t)
    loop.running = True
    beat(2.05)
    assert stalls() == []


def test_an_async_requests_warning_is_labelled_async_even_without_any_sample(fresh_runtime):
    async def app(scope, receive, send):
        await asyncio.sleep(0.4)  # waits without blocking: async-awaiting
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive():
        return {"type": "http.disconnect"}

    async def send(message):
        pass

    middleware = ASGIMiddleware(app, sampling=False, warn_s=0.1, violation_s=0.3)
    asyncio.run(middleware({"type": "http", "method": "GET", "path": "/"}, receive, send))
    time.sleep(0.1)
    assert control.flush() is not None
    (shard,) = [json.loads(p.read_text()) for p in fresh_runtime.glob("*.json")]
    (violation,) = shard["findings"]
    assert violation["kind"] == "async-awaiting" and violation["samples"] == 0

"""Fail open, keep evidence: where shards go when folders fail, backoff, the breaker's cool-down, the
first flush. In process, with the real watchdog thread; every wait is bounded."""
from __future__ import annotations

import json
import os
import threading
import time

from greenit_async_lint.runtime import WSGIMiddleware, control, output, registry
from greenit_async_lint.runtime.config import RuntimeConfig, load_config

GET = {"REQUEST_METHOD": "GET"}


def ok(environ, start_response):
    start_response("200 OK", [])
    return [b"ok"]


def wait_for(predicate, seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def test_the_default_report_folder_is_absolute_whatever_the_working_directory():
    assert os.path.isabs(RuntimeConfig().report_dir)
    assert os.path.isabs(load_config({}, environ={}).report_dir)


def test_no_writable_folder_keeps_the_report_in_memory_backs_off_and_recovers(fresh_runtime, tmp_path, monkeypatch):
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    wanted = blocked / "sub"
    # No temporary folder either: every candidate is the unwritable one.
    monkeypatch.setattr(output, "report_dirs", lambda config: [str(wanted)])
    attempts = []
    real = output.writable_dir
    monkeypatch.setattr(output, "writable_dir", lambda path: attempts.append(path) or real(path))
    app = WSGIMiddleware(ok, report_dir=str(wanted), flush_s=0.05, warn_s=0.04, violation_s=0.08)
    assert list(app(dict(GET), lambda *a: None)) == [b"ok"]

    assert control.flush() is None  # nowhere to write: not an error, the report stays in memory
    snapshot = control.snapshot()
    assert [r["count"] for r in snapshot["routes"]] == [1]
    attempts.clear()
    time.sleep(0.6)  # 60 ticks of 10 ms; backoff 0.05, 0.1, 0.2, 0.4 s allows at most 4 attempts
    assert 1 <= len(attempts) <= 4, attempts
    assert registry.STATE.errors == 0  # a read-only disk is not a hook bug

    blocked.unlink()  # the folder can be created again: the next flush goes there at once
    assert control.flush() is not None
    (path,) = list(wanted.glob("*.json"))
    shard = json.loads(path.read_text())
    assert shard["routes"][0]["count"] == 1 and shard["self"]["failed_writes"] >= 2


def test_the_circuit_breaker_re_arms_after_its_cool_down_and_counts_its_trips(fresh_runtime, monkeypatch):
    app = WSGIMiddleware(ok, breaker_cooldown_s=0.2)
    real_begin = registry.begin

    def broken(*args, **kwargs):
        raise RuntimeError("hook bug")

    monkeypatch.setattr(registry, "begin", broken)
    for _ in range(6):
        assert list(app(dict(GET), lambda *a: None)) == [b"ok"]
    assert registry.STATE.tripped and not registry.STATE.active
    monkeypatch.setattr(registry, "begin", real_begin)  # the transient fault is over
    assert wait_for(lambda: registry.STATE.active, 3.0)
    assert not registry.STATE.tripped and registry.STATE.errors == 0
    assert list(app(dict(GET), lambda *a: None)) == [b"ok"]
    shard = control.snapshot()
    assert shard["self"]["breaker_trips"] == 1 and shard["routes"][0]["count"] == 1


def test_the_first_slow_request_is_written_at_once_not_at_the_first_periodic_flush(fresh_runtime):
    release = threading.Event()

    def slow(environ, start_response):
        release.wait(5)
        start_response("200 OK", [])
        return [b"slow"]

    # flush_s is five minutes: only an early first flush can write while the request still runs.
    app = WSGIMiddleware(slow, flush_s=300, warn_s=0.05, violation_s=0.1)
    thread = threading.Thread(target=lambda: list(app(dict(GET), lambda *a: None)))
    thread.start()
    try:
        assert wait_for(lambda: list(fresh_runtime.glob("*.json")), 3.0), "no shard while the request waits"
        (path,) = list(fresh_runtime.glob("*.json"))
        shard = json.loads(path.read_text())
        assert [f["outcomes"] for f in shard["findings"]] == [{"in_flight": 1}]
    finally:
        release.set()
        thread.join(5)

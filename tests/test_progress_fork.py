"""The progress line and the check's forks: a fork never happens while the progress thread writes.

A child forked while another thread held stderr's buffer lock inherits the lock held and hangs
when it flushes at exit (CPython gh-84579), and the check hangs joining it. progress.WRITING makes
a fork wait for a write in flight; here the write is held open on purpose.
"""
from __future__ import annotations

import io
import os
import threading
import time

import pytest

from greenit_async_lint import progress
from greenit_async_lint.analysis.forks import Child, can_fork

pytestmark = pytest.mark.skipif(not hasattr(os, "register_at_fork") or not can_fork(),
                                reason="only where processes are forked")


class SlowStream(io.StringIO):
    """A terminal whose flush takes a while: the progress thread is inside a write for that long."""

    def __init__(self, started: threading.Event) -> None:
        super().__init__()
        self.started = started

    def flush(self) -> None:
        self.started.set()
        time.sleep(0.4)
        super().flush()


def _child() -> None:
    os._exit(0)


def test_a_fork_waits_for_the_progress_line_being_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "INTERVAL", 10.0)
    started = threading.Event()
    stream = SlowStream(started)
    with progress.Progress("src", stream=stream, force=True):
        assert started.wait(5), "the progress thread never wrote"
        begun = time.monotonic()
        child = Child(_child, [])  # forks, as the check does: must wait until the write in flight is over
        waited = time.monotonic() - begun
        child.join(10)
    assert child.exitcode == 0
    assert waited >= 0.2, f"the fork did not wait for the write in flight ({waited:.3f} s)"
    assert "checking src" in stream.getvalue()


def _child_writes() -> None:
    os._exit(0 if progress.WRITING.acquire(timeout=2) else 3)


def test_after_a_fork_neither_side_keeps_the_lock() -> None:
    child = Child(_child_writes, [])
    child.join(10)
    assert child.exitcode == 0, "the child inherited the lock held"
    assert progress.WRITING.acquire(timeout=1), "the parent kept the lock after the fork"
    progress.WRITING.release()

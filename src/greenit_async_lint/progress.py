"""A progress line on a terminal: a run that takes over a second says it is working.

Only on standard error, only when it is a terminal (CI logs and pipes stay clean), cleared when
the run ends. The engine does not report its steps, so the line shows what is checked and for
how long, which is what a user staring at a silent terminal wants to know.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from types import TracebackType
from typing import Optional, TextIO

DELAY = 1.0
INTERVAL = 0.5
# The line is written from a thread while the check forks its workers and helpers. A fork made
# while that thread holds the stream's buffer lock leaves the lock held in the child, which then
# hangs for good as soon as it writes to or flushes that stream (CPython gh-84579, gh-91776), and
# the check with it, joining the child. The check's children end with os._exit and write to a
# stderr of their own (analysis/forks.py), but anything they run before that may print. So a
# fork waits for a write in flight, and no write starts while a fork is made.
WRITING = threading.Lock()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=WRITING.acquire, after_in_parent=WRITING.release, after_in_child=WRITING.release)


class Progress:
    def __init__(self, what: str, stream: Optional[TextIO] = None, force: bool = False) -> None:
        self.what = what
        self.stream = stream or sys.stderr
        self.enabled = force or (hasattr(self.stream, "isatty") and self.stream.isatty())
        self.stop = threading.Event()
        self.shown = False
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start = time.monotonic()
        if self.stop.wait(DELAY):
            return
        while not self.stop.is_set():
            with WRITING:
                self.stream.write(f"\rgreenit-async-lint: checking {self.what}... {time.monotonic() - start:.0f}s")
                self.stream.flush()
            self.shown = True
            self.stop.wait(INTERVAL)

    def __enter__(self) -> "Progress":
        if self.enabled:
            self.thread.start()
        return self

    def __exit__(self, kind: Optional[type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        if self.enabled:
            self.stop.set()
            self.thread.join()
            if self.shown:
                self.stream.write("\r\033[K")
                self.stream.flush()

"""Stack samples and per-thread CPU time, in process."""
from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from greenit_async_lint.runtime.sampling import sample_thread, thread_cpu_s


@pytest.mark.skipif(not sys.platform.startswith("linux") or not hasattr(os, "fork"), reason="Linux /proc and fork")
def test_cpu_time_of_the_request_thread_is_read_after_fork():
    # Pre-fork servers (gunicorn sync) run requests on the forked child's main thread, whose
    # native id Python 3.11 leaves stale: cpu_share was always null there.
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        try:
            deadline = time.process_time() + 0.05
            while time.process_time() < deadline:
                pass
            value = thread_cpu_s(threading.get_ident())
            os.write(write, repr(value).encode())
        finally:
            os._exit(0)
    os.close(write)
    try:
        with os.fdopen(read, "rb") as pipe:
            answer = pipe.read().decode()
    finally:
        os.waitpid(pid, 0)
    assert answer != "None" and float(answer) >= 0.0


def test_a_thread_sample_names_the_running_function():
    started, release = threading.Event(), threading.Event()

    def parked():
        started.set()
        release.wait(5)

    thread = threading.Thread(target=parked)
    thread.start()
    try:
        assert started.wait(5)
        stack, cut = sample_thread(thread.ident)
        assert not cut and any(frame[2].endswith("parked") for frame in stack)
    finally:
        release.set()
        thread.join(5)

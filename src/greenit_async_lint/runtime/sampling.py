"""Stack samples of one thread or one coroutine chain, and per-thread CPU time, for the watchdog.

A sample is a raw walk of (filename, line, qualname) tuples, innermost first, at most MAX_FRAMES,
converted at once so that no frame object outlives the walk. No `f_locals`, no `linecache` here:
source text is read only when a report is written. Samples are taken only for requests already past
the warning threshold, at a bounded rate, so their cost is rare by construction.
"""
from __future__ import annotations

import os
import sys
import threading
from typing import Any

MAX_FRAMES = 64

Frame = tuple[str, int, str]


def _frame_tuple(frame: Any) -> Frame:
    code = frame.f_code
    return (code.co_filename, frame.f_lineno or 0, getattr(code, "co_qualname", code.co_name))


def sample_thread(tid: int) -> tuple[tuple[Frame, ...], bool]:
    """Stack of thread `tid` now, innermost first, and whether it was cut at MAX_FRAMES."""
    frame = sys._current_frames().get(tid)
    stack: list[Frame] = []
    try:
        while frame is not None and len(stack) < MAX_FRAMES:
            stack.append(_frame_tuple(frame))
            frame = frame.f_back
        return tuple(stack), frame is not None
    finally:
        del frame  # drop the last reference to a live frame before returning


def sample_task(task: Any) -> tuple[Frame, ...]:
    """Where a suspended task waits: its chain of awaited coroutines, innermost first."""
    coro = task.get_coro() if task is not None else None
    chain: list[Frame] = []
    while coro is not None and len(chain) < MAX_FRAMES:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None) or getattr(coro, "ag_frame", None)
        if frame is not None:
            chain.append(_frame_tuple(frame))
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None) or getattr(coro, "ag_await", None)
    return tuple(reversed(chain))


def task_running(task: Any) -> bool:
    """True while the task's coroutine is executing, i.e. holding its event loop."""
    try:
        coro = task.get_coro()
        return bool(getattr(coro, "cr_running", False) or getattr(coro, "gi_running", False))
    except Exception:
        return False


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") and "SC_CLK_TCK" in getattr(os, "sysconf_names", {}) else 100


_LINUX = sys.platform.startswith("linux")


def thread_cpu_s(tid: int) -> float | None:
    """CPU seconds used so far by a live thread (Linux /proc; None elsewhere or once it has exited).

    /proc is read rather than pthread_getcpuclockid(): that call on a thread that has just exited
    is undefined behaviour, and the watchdog cannot rule that race out.
    """
    thread = threading._active.get(tid)  # type: ignore[attr-defined]
    native = getattr(thread, "native_id", None)
    if thread is not None and thread is threading.main_thread() and _LINUX:
        # After fork, Python 3.11 keeps the parent's native id on the thread that forked (the child's
        # main thread), so pre-fork servers read a task that is not theirs. A process's initial
        # thread has the process id as its thread id.
        native = os.getpid()
    if native is None:
        return None
    try:
        with open(f"/proc/self/task/{native}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


def contains_code(stack: tuple[Frame, ...], code: Any) -> bool:
    """Whether a function (its code object) is on a sampled stack."""
    if code is None:
        return False
    name = getattr(code, "co_qualname", code.co_name)
    return any(f[0] == code.co_filename and f[2] == name for f in stack)

"""Forked processes and the length-prefixed messages through their pipes, with `os` alone.

The check forks its summary workers, the reach's helper, the cache writers (fanout.py), the fixer
and its planning child (fix/). `multiprocessing` would cost every cold check its import (socket,
selectors, ctypes: about 10 ms, a twentieth of a small project's whole check) and a semaphore in
shared memory for each shared counter; none of its machinery is needed between a process and its
own forks. Messages are pickles from our own forks, never from disk (fanout.py, fix/fixer.py).
"""
from __future__ import annotations

import os
import signal
import struct
import sys
import time
from typing import Callable, NoReturn, Optional

LENGTH = struct.Struct("!Q")  # each message's size, before it


def can_fork() -> bool:
    return hasattr(os, "fork")


def in_child(body: Callable[[], None], unused: list[int]) -> NoReturn:  # pragma: no cover - forked
    """Run `body` in a forked child, after closing the parent's ends of its pipes (`unused`), and
    end the child: status 0 when it returned, 1 when it raised (^C included)."""
    status = 1
    try:
        for fd in unused:
            os.close(fd)
        # A new stderr: a warning the child prints (compile() on the project's code) must not wait
        # for a lock another thread of the parent held when it forked.
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - the child's stderr until os._exit
        body()
        status = 0
    finally:
        os._exit(status)  # no atexit handler, no buffered output of the parent's written twice


class Child:
    """A forked process running `body` (in_child), to be joined; `pid` None when no process could
    be forked now (a process limit, no memory): the caller does the work itself."""

    def __init__(self, body: Callable[[], None], unused: list[int]) -> None:
        self.pid: Optional[int] = None
        self.exitcode: Optional[int] = None
        try:
            pid = os.fork()
        except OSError:
            return
        if pid == 0:  # pragma: no cover - the child
            in_child(body, unused)
        self.pid = pid

    def join(self, timeout: Optional[float] = None) -> None:
        """Wait until it has ended (at most `timeout` seconds, polling, when given)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.exitcode is None and self.pid is not None:
            try:
                pid, status = os.waitpid(self.pid, 0 if deadline is None else os.WNOHANG)
            except ChildProcessError:  # reaped already (by a SIGCHLD handler of an embedding program)
                self.exitcode = -1
                return
            if pid:
                self.exitcode = os.waitstatus_to_exitcode(status)
            elif deadline is not None and time.monotonic() >= deadline:
                return
            else:
                time.sleep(0.01)

    def is_alive(self) -> bool:
        self.join(0)
        return self.pid is not None and self.exitcode is None

    def kill(self) -> None:
        if self.is_alive() and self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass


def send(fd: int, data: bytes) -> None:
    """One message: its length, then its bytes, all written."""
    view = memoryview(LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def receive(fd: int) -> Optional[bytes]:
    """One message, or None when the other side is gone before it was whole."""
    head = read_exact(fd, LENGTH.size)
    if head is None:
        return None
    return read_exact(fd, LENGTH.unpack(head)[0])


def read_exact(fd: int, size: int) -> Optional[bytes]:
    """`size` bytes, or None at an end of file before them."""
    parts = []
    while size:
        part = os.read(fd, min(size, 1 << 20))
        if not part:
            return None
        parts.append(part)
        size -= len(part)
    return b"".join(parts)

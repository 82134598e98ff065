"""gunicorn: a worker killed for a slow request still leaves its evidence, without extra configuration.

gunicorn's arbiter sends SIGABRT to a worker silent for longer than `timeout`; the worker's
`handle_abort` calls the `worker_abort` server hook and exits. When a middleware is built inside a
gunicorn process, `install()` wraps that handler itself (the bound handler already installed in this
worker, and the class method that workers forked later from a `--preload` master will bind), so the
requests still waiting are marked `server_killed`, with their route and handler, and the shard is
written before the worker dies. On gthread workers the killed request runs on a pool thread that
the exit never interrupts, so no other path records it. The `gunicorn.conf.py` line

    from greenit_async_lint.runtime.gunicorn import worker_abort  # noqa: F401

remains a fallback for set-ups where the middleware is built off the main thread.
"""
from __future__ import annotations

import signal
import sys
import threading
from typing import Any, Callable

from .control import emergency_flush
from .registry import internal_error


def worker_abort(_worker: Any) -> None:
    """gunicorn `worker_abort` hook: never raises, returns within a couple of seconds."""
    emergency_flush("server_killed")


def _flushing(handler: Callable) -> Callable:
    def handle_abort(*args: Any) -> Any:
        try:
            emergency_flush("server_killed")
        except Exception as exc:  # never stand between gunicorn and its own abort
            internal_error("gunicorn abort", exc)
        return handler(*args)

    handle_abort._greenit = True  # type: ignore[attr-defined]
    handle_abort.__wrapped__ = handler  # type: ignore[attr-defined]
    return handle_abort


def install() -> bool:
    """Wrap gunicorn's abort handling in this process; a no-op outside gunicorn. Never raises."""
    base = sys.modules.get("gunicorn.workers.base")
    if base is None:
        return False
    try:
        worker_class = base.Worker
        if not getattr(worker_class.handle_abort, "_greenit", False):
            worker_class.handle_abort = _flushing(worker_class.handle_abort)
        if threading.current_thread() is threading.main_thread():
            current = signal.getsignal(signal.SIGABRT)
            owner = getattr(current, "__self__", None)
            if callable(current) and isinstance(owner, worker_class) and not getattr(current, "_greenit", False):
                signal.signal(signal.SIGABRT, _flushing(current))
        return True
    except Exception as exc:
        internal_error("gunicorn hook", exc)
        return False

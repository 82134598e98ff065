"""Process lifecycle of the hook: configuration, lazy start, fork, exit, SIGTERM and emergency flushes.

The watchdog starts on the first request of each process, so a gunicorn `--preload` master never
owns a thread its forked workers would lack; `os.register_at_fork` clears a child's inherited state.
Shards are written at exit (`atexit`), on SIGTERM when nobody else handles it, and on demand from a
gunicorn `worker_abort` hook: a worker killed for a slow request still leaves its evidence.
"""
from __future__ import annotations

import atexit
import dataclasses
import os
import signal
import sys
import threading
from typing import Any, Mapping

from . import loop as loops
from . import registry
from . import watchdog as watchdog_module
from .config import RuntimeConfig, ensure_report_dir, load_config
from .registry import INFLIGHT, STATE, internal_error
from .watchdog import Watchdog

WATCHDOG: Watchdog | None = None
DEFAULTS = RuntimeConfig()  # the pytest plugin lowers loop_warn_s here; explicit arguments still win
_EXPLICIT: dict[str, Any] = {}
_START_LOCK = threading.Lock()
_ATEXIT_PID = 0


def configure(explicit: Mapping[str, Any] | None = None) -> RuntimeConfig:
    """Merge a middleware's arguments into the process config; validate; create the report dir.

    One process writes one shard with one set of thresholds, so options are process-wide: each
    middleware adds the arguments it was given explicitly, and environment variables fill the rest.
    Never raises: bad settings are logged once and replaced by defaults (see config.py).
    """
    merged = {**_EXPLICIT, **{k: v for k, v in (explicit or {}).items() if v is not None}}
    config = load_config(merged, base=DEFAULTS)
    STATE.wanted_dir = os.path.abspath(config.report_dir)
    if config.enabled:
        path = ensure_report_dir(config)
        if path and path != os.path.abspath(config.report_dir):
            config = dataclasses.replace(config, report_dir=path)
    _EXPLICIT.clear()
    _EXPLICIT.update(merged)
    STATE.config = config
    STATE.configured = True
    STATE.active = config.enabled and not STATE.tripped
    if config.enabled:
        # Now, while the app is loaded (on the main thread): threaded servers (waitress, runserver)
        # serve the first request on a pool thread, where no signal handler can be installed.
        try:
            _chain_sigterm()
        except Exception as exc:
            internal_error("sigterm hook", exc)
        if "gunicorn" in sys.modules:  # a killed worker leaves its evidence without a config line
            from .gunicorn import install

            install()
    return config


def _first_request() -> None:
    """Start this process's watchdog (called by registry.begin while none runs)."""
    global WATCHDOG, _ATEXIT_PID
    with _START_LOCK:
        if STATE.watchdog_running:
            return
        STATE.watchdog_running = True
        try:
            WATCHDOG = Watchdog()
            WATCHDOG.start()
            if os.getpid() != _ATEXIT_PID:
                _ATEXIT_PID = os.getpid()
                atexit.register(_at_exit)
            _chain_sigterm()
        except Exception as exc:
            internal_error("watchdog start", exc)


registry._on_first_request = _first_request


def mark_inflight(outcome: str) -> None:
    """Tag requests still waiting (the server is killing or stopping this process)."""
    for rec in list(INFLIGHT.values()):
        if rec.outcome is None and not rec.t_headers:
            rec.outcome = outcome


def flush(timeout: float = 2.0) -> str | None:
    """Write the shard now, on the watchdog thread if it is alive; else on this thread. Never raises."""
    try:
        watchdog = WATCHDOG
        if watchdog is None:
            return None
        if watchdog.alive() and threading.current_thread() is not watchdog.thread:
            done = threading.Event()
            watchdog.waiters.append(done)
            watchdog.wake.set()
            if done.wait(timeout):
                return watchdog.last_write
        return watchdog.write()
    except Exception as exc:
        internal_error("flush", exc)
        return None


def snapshot() -> dict | None:
    """This process's report as it would be written now; the way to read it when no folder is
    writable and it stays in memory. None before the first request. Never raises."""
    try:
        return WATCHDOG.document() if WATCHDOG is not None else None
    except Exception as exc:
        internal_error("snapshot", exc)
        return None


def emergency_flush(outcome: str = "server_killed") -> None:
    """For signal handlers and server hooks: mark what is in flight, then write the shard."""
    mark_inflight(outcome)
    flush()


def _at_exit() -> None:
    if WATCHDOG is not None and STATE.watchdog_running:
        emergency_flush("server_killed")


def _chain_sigterm() -> None:
    """On SIGTERM write the shard, then do what was to be done before (a server's own handler, or
    the default exit, which would skip atexit). signal.signal works only on the main thread; in
    other threads atexit and the lifespan shutdown must do."""
    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.getsignal(signal.SIGTERM)
    if getattr(previous, "_greenit", False) or previous is None:
        return

    def on_sigterm(signum: int, frame: Any) -> None:
        if previous is signal.SIG_DFL:
            emergency_flush("server_killed")  # the process dies right after this
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        flush()  # a graceful shutdown: requests in flight may still complete
        if callable(previous):
            previous(signum, frame)

    on_sigterm._greenit = True  # type: ignore[attr-defined]
    signal.signal(signal.SIGTERM, on_sigterm)


def _after_fork_in_child() -> None:
    global WATCHDOG
    WATCHDOG = None
    registry.reset_after_fork()
    loops.MONITORS.clear()
    # A lock held by another thread of the parent at fork time would stay locked forever here.
    global _START_LOCK
    _START_LOCK = threading.Lock()
    watchdog_module.LOCK = threading.RLock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

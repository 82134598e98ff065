"""gunicorn server hooks, so a worker killed for a slow request still leaves its evidence.

gunicorn's arbiter sends SIGABRT to a worker silent for longer than `timeout`; the worker calls the
`worker_abort` hook and exits. In `gunicorn.conf.py`:

    from greenit_async_lint.runtime.gunicorn import worker_abort  # noqa: F401

marks the requests still waiting as `server_killed` and writes the shard before the worker dies.
"""
from __future__ import annotations

from typing import Any

from .control import emergency_flush


def worker_abort(worker: Any) -> None:
    """gunicorn `worker_abort` hook: never raises, returns within a couple of seconds."""
    emergency_flush("server_killed")

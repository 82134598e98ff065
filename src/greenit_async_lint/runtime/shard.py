"""Per-process report shards: the JSON document and its atomic write.

One process owns one file, `<host-hash>-<pid>-<start_ns>.json`, so workers never contend. A write
goes to a temporary file in the same directory, is flushed and fsynced, then `os.replace`d over the
shard: a reader (or `runtime merge`) sees the old shard or the new one, never half of one, even if
the worker is killed mid-write.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import socket
import sys
import time
from typing import Any

import greenit_async_lint

from .aggregate import Store
from .config import RuntimeConfig
from .labels import Paths, module_names

KIND = "runtime"
VERSION = 1
_FRAMEWORKS = ("flask", "django", "starlette", "fastapi")


def tool() -> dict[str, str]:
    return {"name": "greenit-async-lint", "version": greenit_async_lint.__version__}


def host_hash() -> str:
    """Hashed host name: enough to tell machines apart, nothing to identify them."""
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def shard_name(start_ns: int) -> str:
    return f"{host_hash()}-{os.getpid()}-{start_ns}.json"


def _server() -> tuple[str | None, str | None]:
    mods = sys.modules
    for name in ("gunicorn", "uvicorn", "hypercorn", "daphne", "waitress"):
        if name in mods:
            worker = None
            if name == "gunicorn":
                worker = next((w for w in ("gthread", "ggevent", "geventlet", "gtornado", "sync")
                               if f"gunicorn.workers.{w}" in mods), None)
            return name, worker
    if "pytest" in mods or "_pytest" in mods:
        return "pytest", None
    return None, None


def build(store: Store, config: RuntimeConfig, paths: Paths, started: float, selfstats: dict[str, Any],
          match: Any = None) -> dict[str, Any]:
    """The shard document; `match` labels leaf calls (None: calls named, not classified)."""
    server, worker = _server()
    return {
        "kind": KIND,
        "version": VERSION,
        "shard": True,
        "tool": tool(),
        "run": {
            "pid": os.getpid(),
            "host": host_hash(),
            "started_at": _iso(started),
            "written_at": _iso(time.time()),
            "python": platform.python_version(),
            "implementation": sys.implementation.name,
            "server": server,
            "worker_class": worker,
            "frameworks": [name for name in _FRAMEWORKS if name in sys.modules],
            "thresholds": config.thresholds(),
        },
        "routes": store.routes_json(),
        "findings": store.findings_json(paths, module_names(), match) if store.findings else [],
        "self": selfstats,
    }


def write_atomic(path: str, document: dict[str, Any]) -> None:
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    temp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with open(temp, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=1, sort_keys=False, default=str)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def _iso(stamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))

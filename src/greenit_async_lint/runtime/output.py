"""Where a shard goes: the configured folder, a temporary one, else memory; retried with backoff.

Only the watchdog writes (or a flush it is asked for). Each write tries the folders best first, so a
report folder that comes back (a volume remounted, a permission fixed) is used again at once. When
no folder is writable the aggregate simply stays in memory, where it is bounded by construction
(aggregate.py caps findings, routes and stacks), and the next attempt waits twice as long as the
last, from `flush_s` up to MAX_BACKOFF_S: a read-only disk must not cost an fsync attempt per tick.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Callable

from .config import RuntimeConfig, report_dirs, writable_dir

LOG = logging.getLogger("greenit_async_lint.runtime")
MAX_BACKOFF_S = 300.0


class Output:
    def __init__(self) -> None:
        self.failures = 0  # consecutive attempts that found no writable folder
        self.failed_total = 0  # every attempt that found none, for the report's self-metrics
        self.retry_at = 0.0  # perf_counter() time before which a periodic write is not attempted
        self.where = ""  # the folder of the last successful write ("" in memory)
        self.logged: set[str] = set()

    @staticmethod
    def candidates(config: RuntimeConfig, wanted: str) -> list[str]:
        """`wanted` (the folder asked for) first, even after configure() fell back from it."""
        folders = [os.path.abspath(wanted)] if wanted else []
        for folder in report_dirs(config):
            if folder not in folders:
                folders.append(folder)
        return folders

    def due(self, now: float) -> bool:
        return now >= self.retry_at

    def write(self, config: RuntimeConfig, wanted: str, name: str, document: Callable[[], dict[str, Any]],
              write_atomic: Callable[[str, dict[str, Any]], None], now: float) -> str | None:
        """Write `document()` as `name` in the best writable folder; None when it stays in memory."""
        folders = self.candidates(config, wanted)
        errors = []
        built: dict[str, Any] | None = None
        for folder in folders:
            if not writable_dir(folder):
                errors.append(f"{folder}: not writable")
                continue
            if built is None:
                built = document()
            path = os.path.join(folder, name)
            try:
                write_atomic(path, built)
            except OSError as exc:  # a full disk is not a hook bug: try the next folder
                errors.append(f"{folder}: {exc}")
                continue
            if folder != folders[0] and folder != self.where:
                self._log(f"fallback {folder}", "greenit runtime: cannot write to %s, writing to %s instead",
                          folders[0], folder)
            elif folder == folders[0] and self.where and self.where != folder:
                LOG.warning("greenit runtime: %s is writable again, shards go there", folder)
            self.where, self.failures, self.retry_at = folder, 0, 0.0
            return path
        self.failures += 1
        self.failed_total += 1
        self.where = ""
        self.retry_at = now + min(MAX_BACKOFF_S, config.flush_s * 2 ** min(self.failures - 1, 16))
        self._log("memory", "greenit runtime: no writable report folder (%s); the report stays in memory "
                  "and writing is retried with backoff", "; ".join(errors))
        return None

    def _log(self, key: str, message: str, *args: Any) -> None:
        if key not in self.logged:
            self.logged.add(key)
            LOG.warning(message, *args)

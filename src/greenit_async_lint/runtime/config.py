"""Runtime hook settings: thresholds, report directory and switches, from arguments or environment.

Explicit arguments win over environment variables, which win over defaults. Settings are validated
once, when a middleware is built. The hook fails open: a bad value (`abc`, `-1`, `nan`, an unknown
option) is logged once and replaced by its default, and an unwritable report directory falls back to
a temporary one (then to memory, see output.py), so the application always boots.

The default report directory is absolute, `$TMPDIR/greenit-runtime` (usually `/tmp/greenit-runtime`):
a folder relative to the working directory broke the one-line set-up on read-only container images
and scattered shards when workers started from different directories.
"""
from __future__ import annotations

import dataclasses
import logging
import math
import os
import tempfile
from dataclasses import dataclass
from typing import Any, Mapping

ENV_PREFIX = "GREENIT_RUNTIME"
LOG = logging.getLogger("greenit_async_lint.runtime")
_WARNED: set[str] = set()


def _warn_once(message: str, consequence: str = "; the default is used") -> None:
    if message not in _WARNED:
        _WARNED.add(message)
        LOG.warning("greenit runtime: %s%s", message, consequence)

# name -> (environment variable, parser); every option a user can set from outside the code.
_ENV: dict[str, tuple[str, type]] = {
    "report_dir": ("GREENIT_RUNTIME_DIR", str),
    "warn_s": ("GREENIT_RUNTIME_WARN_S", float),
    "violation_s": ("GREENIT_RUNTIME_VIOLATION_S", float),
    "loop_warn_s": ("GREENIT_RUNTIME_LOOP_WARN_S", float),
    "flush_s": ("GREENIT_RUNTIME_FLUSH_S", float),
    "root": ("GREENIT_RUNTIME_ROOT", str),
    "breaker_cooldown_s": ("GREENIT_RUNTIME_BREAKER_COOLDOWN_S", float),
}
DEFAULT_DIR = os.path.join(tempfile.gettempdir(), "greenit-runtime")


@dataclass(frozen=True)
class RuntimeConfig:
    """Everything the hook needs to decide what to record; one per process once installed."""

    enabled: bool = True
    report_dir: str = DEFAULT_DIR
    warn_s: float = 10.0
    violation_s: float = 60.0  # the practice's own limit: no synchronous processing over a minute
    loop_warn_s: float = 1.0
    flush_s: float = 10.0
    root: str = ""  # project root for in-app frames and relative paths; "" means the cwd
    sampling: bool = True  # GREENIT_RUNTIME_SAMPLING=0 keeps timings but never walks a stack
    max_samples: int = 12
    max_errors: int = 5  # internal errors before the circuit breaker makes the hook a pass-through
    breaker_cooldown_s: float = 300.0  # then it re-arms: a transient fault must not end measurement for good
    exclude_methods: tuple[str, ...] = ()
    exclude_routes: tuple[str, ...] = ()

    @property
    def tick_s(self) -> float:
        """Watchdog period: a quarter of the smallest threshold, so crossings are seen early."""
        return min(1.0, max(0.01, min(self.warn_s, self.loop_warn_s) / 4))

    @property
    def sample_every_s(self) -> float:
        """Gap between two stack samples of one request (5 s in production, scaled for tests)."""
        return min(5.0, max(self.tick_s, self.warn_s / 2))

    @property
    def heartbeat_s(self) -> float:
        """Event-loop heartbeat period: half the stall threshold, at most 0.5 s."""
        return min(0.5, max(0.005, self.loop_warn_s / 2))

    def thresholds(self) -> dict[str, float]:
        return {"warn_s": self.warn_s, "violation_s": self.violation_s, "loop_warn_s": self.loop_warn_s}


def env_disabled(environ: Mapping[str, str] | None = None) -> bool:
    """True when GREENIT_RUNTIME=0 (or false/off/no): the hook becomes a pass-through."""
    value = (environ if environ is not None else os.environ).get(ENV_PREFIX, "").strip().lower()
    return value in {"0", "false", "off", "no"}


def load_config(
    explicit: Mapping[str, Any] | None = None,
    *,
    base: RuntimeConfig | None = None,
    environ: Mapping[str, str] | None = None,
) -> RuntimeConfig:
    """Build a validated config: defaults (or `base`), then environment, then explicit arguments."""
    env = environ if environ is not None else os.environ
    values: dict[str, Any] = {}
    for name, (var, parse) in _ENV.items():
        raw = env.get(var)
        if raw not in (None, ""):
            try:
                values[name] = parse(raw)
            except ValueError:
                _warn_once(f"{var}={raw!r} is not a valid {parse.__name__}")
    if env.get("GREENIT_RUNTIME_SAMPLING", "").strip() == "0":
        values["sampling"] = False
    known = {f.name for f in dataclasses.fields(RuntimeConfig)}
    for name, value in (explicit or {}).items():
        if name not in known:
            _warn_once(f"unknown option {name!r} ignored (known: {', '.join(sorted(known))})")
            continue
        if value is not None:
            values[name] = value
    if env_disabled(env):
        values["enabled"] = False
    for name in ("exclude_methods", "exclude_routes"):
        if name in values:
            values[name] = tuple(values[name])
    return _sanitize(base or RuntimeConfig(), values)


def _sanitize(base: RuntimeConfig, values: dict[str, Any]) -> RuntimeConfig:
    """Drop every value that is not usable (logged once), keeping the base's value instead."""
    defaults = RuntimeConfig()
    for name in ("warn_s", "violation_s", "loop_warn_s", "flush_s", "breaker_cooldown_s"):
        value = values.get(name)
        if name in values and (isinstance(value, bool) or not isinstance(value, (int, float))
                               or not math.isfinite(value) or not value > 0):
            _warn_once(f"{name} must be a positive number of seconds, got {value!r}")
            del values[name]
    for name in ("max_samples", "max_errors"):
        value = values.get(name)
        if name in values and (not isinstance(value, int) or value < 1):
            _warn_once(f"{name} must be an integer of at least 1, got {value!r}")
            del values[name]
    try:
        config = dataclasses.replace(base, **values)
    except Exception as exc:  # a value of the wrong type for the dataclass itself
        _warn_once(f"settings {sorted(values)} not usable ({exc})")
        config = base
    if config.warn_s > config.violation_s:
        _warn_once(f"warn_s ({config.warn_s}) exceeds violation_s ({config.violation_s})")
        config = dataclasses.replace(config, warn_s=defaults.warn_s, violation_s=defaults.violation_s)
    return config


def report_dirs(config: RuntimeConfig) -> list[str]:
    """Where shards may go, best first: the configured folder, then a per-user temporary one."""
    first = os.path.abspath(config.report_dir)
    fallback = os.path.join(tempfile.gettempdir(), f"greenit-runtime-{os.getuid()}")
    return [first] if first == fallback else [first, fallback]


def writable_dir(path: str) -> bool:
    """Create `path` if missing and tell whether this process may write in it. Never raises."""
    try:
        os.makedirs(path, exist_ok=True)
        return os.access(path, os.W_OK | os.X_OK)
    except (OSError, ValueError):
        return False


def ensure_report_dir(config: RuntimeConfig) -> str:
    """The first writable folder of `report_dirs`, created now; "" when none is (memory only).

    Never raises. Called when a middleware is built; the watchdog retries later with backoff.
    """
    candidates = report_dirs(config)
    for path in candidates:
        if writable_dir(path):
            if path != candidates[0]:
                _warn_once(f"report directory {candidates[0]} is not writable, writing to {path}", "")
            return path
    _warn_once(f"report directory {candidates[0]} is not writable and no temporary folder either: "
               "the report stays in memory (bounded) and writing is retried with backoff", "")
    return ""

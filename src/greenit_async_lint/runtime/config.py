"""Runtime hook settings: thresholds, report directory and switches, from arguments or environment.

Explicit arguments win over environment variables, which win over defaults. Settings are validated
once, when a middleware is built (fail fast at start-up, never on a request): a bad threshold or an
unwritable report directory raises there and nowhere else.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any, Mapping

ENV_PREFIX = "GREENIT_RUNTIME"

# name -> (environment variable, parser); every option a user can set from outside the code.
_ENV: dict[str, tuple[str, type]] = {
    "report_dir": ("GREENIT_RUNTIME_DIR", str),
    "warn_s": ("GREENIT_RUNTIME_WARN_S", float),
    "violation_s": ("GREENIT_RUNTIME_VIOLATION_S", float),
    "loop_warn_s": ("GREENIT_RUNTIME_LOOP_WARN_S", float),
    "flush_s": ("GREENIT_RUNTIME_FLUSH_S", float),
    "root": ("GREENIT_RUNTIME_ROOT", str),
}


@dataclass(frozen=True)
class RuntimeConfig:
    """Everything the hook needs to decide what to record; one per process once installed."""

    enabled: bool = True
    report_dir: str = "greenit-runtime"
    warn_s: float = 10.0
    violation_s: float = 60.0  # the practice's own limit: no synchronous processing over a minute
    loop_warn_s: float = 1.0
    flush_s: float = 10.0
    root: str = ""  # project root for in-app frames and relative paths; "" means the cwd
    sampling: bool = True  # GREENIT_RUNTIME_SAMPLING=0 keeps timings but never walks a stack
    max_samples: int = 12
    max_errors: int = 5  # internal errors before the circuit breaker makes the hook a pass-through
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
                raise ValueError(f"{var}={raw!r} is not a valid {parse.__name__}") from None
    if env.get("GREENIT_RUNTIME_SAMPLING", "").strip() == "0":
        values["sampling"] = False
    known = {f.name for f in dataclasses.fields(RuntimeConfig)}
    for name, value in (explicit or {}).items():
        if name not in known:
            raise TypeError(f"unknown greenit runtime option {name!r}; known: {', '.join(sorted(known))}")
        if value is not None:
            values[name] = value
    if env_disabled(env):
        values["enabled"] = False
    for name in ("exclude_methods", "exclude_routes"):
        if name in values:
            values[name] = tuple(values[name])
    config = dataclasses.replace(base or RuntimeConfig(), **values)
    _validate(config)
    return config


def _validate(config: RuntimeConfig) -> None:
    for name in ("warn_s", "violation_s", "loop_warn_s", "flush_s"):
        value = getattr(config, name)
        if not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"greenit runtime: {name} must be a positive number of seconds, got {value!r}")
    if config.warn_s > config.violation_s:
        raise ValueError(
            f"greenit runtime: warn_s ({config.warn_s}) must not exceed violation_s ({config.violation_s})"
        )
    if config.max_samples < 1 or config.max_errors < 1:
        raise ValueError("greenit runtime: max_samples and max_errors must be at least 1")


def ensure_report_dir(config: RuntimeConfig) -> str:
    """Create the report directory now and prove it writable, so a bad path fails at start-up."""
    path = os.path.abspath(config.report_dir)
    os.makedirs(path, exist_ok=True)
    if not os.access(path, os.W_OK | os.X_OK):
        raise PermissionError(f"greenit runtime: report directory {path} is not writable")
    return path

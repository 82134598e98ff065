"""pytest plugin (entry point `greenit_async_lint`): measure requests made through test clients.

Inert unless enabled with `--greenit-runtime`, the ini option `greenit_runtime = true` or the
environment variable GREENIT_RUNTIME=1; GREENIT_RUNTIME=0 always wins and keeps it off. Importing
this module imports nothing but the standard library: it is loaded in every pytest run of every
project that installs greenit-async-lint.

Once enabled it wraps the Flask, Django and Starlette/FastAPI test clients (testclients.py), uses
a 100 ms event-loop stall threshold (tests rarely wait a minute, but a blocked loop shows at any
speed), and writes one shard per process at the end of the session; the controlling process (the
only one without xdist) then merges the shards into `<dir>/report.json`.
"""
from __future__ import annotations

import os
from typing import Any

_ON = {"1", "true", "on", "yes"}
_OFF = {"0", "false", "off", "no"}
_STATE: dict[str, Any] = {}


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("greenit-runtime", "greenit-async-lint runtime hook")
    group.addoption("--greenit-runtime", action="store_true", default=False,
                    help="time requests made through Flask/Django/Starlette test clients (practice 112)")
    group.addoption("--greenit-runtime-dir", default=None, metavar="DIR",
                    help="where shards and the merged report go (default: $GREENIT_RUNTIME_DIR or greenit-runtime)")
    parser.addini("greenit_runtime", type="bool", default=False, help="enable the greenit-async-lint runtime hook")


def enabled(config: Any) -> bool:
    env = os.environ.get("GREENIT_RUNTIME", "").strip().lower()
    if env in _OFF:
        return False
    return bool(config.getoption("greenit_runtime") or env in _ON or config.getini("greenit_runtime"))


def pytest_configure(config: Any) -> None:
    if not enabled(config):
        return
    from .testclients import enable

    _STATE["report_dir"] = enable(config.getoption("greenit_runtime_dir"), worker=hasattr(config, "workerinput"))


def pytest_runtest_setup() -> None:  # pluggy passes only the arguments a hook names
    if "report_dir" in _STATE:
        from .testclients import patch_loaded

        patch_loaded()


def pytest_sessionfinish(session: Any) -> None:
    if "report_dir" not in _STATE:
        return
    from .testclients import finish

    _STATE["summary"] = finish(_STATE["report_dir"], worker=hasattr(session.config, "workerinput"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    summary = _STATE.get("summary")
    if summary:
        terminalreporter.write_line(f"greenit runtime: {summary}")

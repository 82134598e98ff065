"""Fixtures for the runtime hook tests: real servers on 127.0.0.1, the merge CLI, a clean hook state.

Every wait is bounded in count and time; servers listen on the loopback address only and are
stopped by their own process id.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parents[2]
APPS = Path(__file__).resolve().parent / "apps"
HOST = "127.0.0.1"
SCALED = {"GREENIT_RUNTIME_WARN_S": "0.2", "GREENIT_RUNTIME_VIOLATION_S": "0.5", "GREENIT_RUNTIME_LOOP_WARN_S": "0.2"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port: int, path: str, timeout: float = 10.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Server:
    def __init__(self, proc: subprocess.Popen, port: int, report_dir: Path, log: Path) -> None:
        self.proc, self.port, self.report_dir, self.log = proc, port, report_dir, log

    def get(self, path: str, timeout: float = 10.0) -> tuple[int, bytes]:
        return get(self.port, path, timeout)

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@contextlib.contextmanager
def serve(args: list[str], tmp_path: Path, **env: str) -> Iterator[Server]:
    """Start `python -m <args>` from the repo root with scaled thresholds; wait until it accepts."""
    port = free_port()
    report_dir = tmp_path / "shards"
    log = tmp_path / "server.log"
    environ = {**os.environ, **SCALED, "GREENIT_RUNTIME_DIR": str(report_dir), **env}
    environ.pop("GREENIT_RUNTIME", None)
    argv = [sys.executable, "-m", *[a.replace("{port}", str(port)) for a in args]]
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, cwd=REPO, env=environ, stdout=out, stderr=subprocess.STDOUT)
    server = Server(proc, port, report_dir, log)
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield server
    finally:
        server.stop()


def gunicorn(app: str, *options: str) -> list[str]:
    return ["gunicorn", "-w", "1", "-b", f"{HOST}:{{port}}", "--pythonpath", str(APPS),
            "--graceful-timeout", "5", *options, app]


def merge(report_dir: Path) -> dict:
    """Run the documented CLI, as a user would, and parse its JSON."""
    done = subprocess.run([sys.executable, "-m", "greenit_async_lint.runtime.cli", "merge", str(report_dir)],
                          capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def finding(report: dict, severity: str, route: str) -> dict:
    hits = [f for f in report["findings"] if f["severity"] == severity and f["route"] == route]
    assert len(hits) == 1, f"expected one {severity} for {route}: {json.dumps(report['findings'], indent=1)[:4000]}"
    return hits[0]


def route(report: dict, template: str, method: str = "GET") -> dict:
    hits = [r for r in report["routes"] if r["route"] == template and r["method"] == method]
    assert len(hits) == 1, f"no totals for {method} {template}: {[r['route'] for r in report['routes']]}"
    return hits[0]


def line_of(path: Path, text: str) -> int:
    """1-based line of the first source line containing `text` (tests never hard-code lines)."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


@pytest.fixture
def fresh_runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """In-process hook state reset between tests; reports go to tmp_path/shards."""
    from greenit_async_lint.runtime import control, registry, watchdog
    from greenit_async_lint.runtime.config import RuntimeConfig

    for var in [v for v in os.environ if v.startswith("GREENIT_RUNTIME")]:
        monkeypatch.delenv(var)
    report_dir = tmp_path / "shards"
    monkeypatch.setattr(control, "DEFAULTS", RuntimeConfig(report_dir=str(report_dir)))
    control._EXPLICIT.clear()
    registry.STATE.tripped = False
    registry.STATE.errors = registry.STATE.trips = 0
    registry.STATE.logged.clear()
    registry.INFLIGHT.clear()
    with watchdog.LOCK:
        registry.FINISHED.clear()
        registry.STALLS.clear()
        if control.WATCHDOG is not None:
            from greenit_async_lint.runtime.output import Output

            control.WATCHDOG.store = None
            control.WATCHDOG.output = Output()
            control.WATCHDOG.flushed = control.WATCHDOG.evidence = control.WATCHDOG.dirty = False
    yield report_dir
    control._EXPLICIT.clear()
    registry.STATE.active = False


@pytest.fixture
def rt():
    """The helpers above (conftest modules cannot be imported under --import-mode=importlib)."""
    return sys.modules[__name__]

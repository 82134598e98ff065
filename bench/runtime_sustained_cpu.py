"""Sustained CPU per request of the runtime hook, its watchdog thread included, beside its peers.

The per-call figure of bench/runtime_overhead.py times the request thread only. Under sustained load
the watchdog also drains every finished request into the aggregate, so what a server pays is the
whole process's CPU divided by the requests served. Two measurements, variants interleaved round
by round, medians printed with the added cost over the bare app and the ratio to it:

1. in process: a trivial WSGI app called N times in a loop, then the watchdog is let drain what was
   queued; process CPU time (all threads) / N;
2. under gunicorn (sync worker, 1 process) loaded by a Python client on 127.0.0.1 for a few
   seconds: the worker's CPU from /proc (all its threads) / requests answered.

Peers measured in the same run: OpenTelemetry's WSGI middleware (API only, its no-op tracer, the
cheapest OTel set-up) and pyinstrument (a Profiler started and stopped around each request, as its
middleware does for a profiled request), when installed (`pip install -e '.[bench]'`).

    python bench/runtime_sustained_cpu.py [--rounds 7] [--requests 50000] [--seconds 3] [--skip-server]
                                          [--variants bare,greenit]

Not a test: figures depend on the machine, which the script prints first.
"""
from __future__ import annotations

import argparse
import http.client
import importlib.util
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
HOST = "127.0.0.1"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "cpu model unknown"


def available() -> list[str]:
    variants = ["bare", "greenit"]
    if importlib.util.find_spec("opentelemetry.instrumentation.wsgi"):
        variants.append("otel")
    if importlib.util.find_spec("pyinstrument"):
        variants.append("pyinstrument")
    return variants


def trivial_app(_environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def build(variant: str):
    if variant == "bare":
        return trivial_app
    if variant == "greenit":
        from greenit_async_lint.runtime import WSGIMiddleware

        return WSGIMiddleware(trivial_app, report_dir=str(WORK / "greenit-runtime"))
    if variant == "otel":
        from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware

        return OpenTelemetryMiddleware(trivial_app)
    if variant == "pyinstrument":
        from pyinstrument import Profiler

        def profiled(environ, start_response):
            profiler = Profiler(async_mode="disabled")
            profiler.start()
            try:
                return list(trivial_app(environ, start_response))
            finally:
                profiler.stop()

        return profiled
    raise ValueError(variant)


if os.environ.get("BENCH_VARIANT"):  # gunicorn imports `runtime_sustained_cpu:application`
    application = build(os.environ["BENCH_VARIANT"])


# -- in process ---------------------------------------------------------------------------------
def _environ() -> dict:
    return {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "QUERY_STRING": "", "SERVER_NAME": HOST,
            "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
            "wsgi.input": None, "wsgi.errors": sys.stderr, "HTTP_HOST": HOST}


def _start_response(_status, _headers, _exc_info=None):
    return None


def _drained(limit_s: float = 5.0) -> None:
    """Wait until the watchdog has aggregated every finished request (its CPU is then counted)."""
    from greenit_async_lint.runtime import registry

    deadline = time.monotonic() + limit_s
    while registry.FINISHED and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.02)  # the last drain's own tail


def cpu_per_request_us(app, n: int, greenit: bool) -> float:
    base = _environ()
    cpu0 = time.process_time_ns()
    for _ in range(n):
        result = app(dict(base), _start_response)
        for _chunk in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if greenit:
        _drained()
    return (time.process_time_ns() - cpu0) / n / 1000


def in_process(variants: list[str], rounds: int, n: int) -> dict[str, list[float]]:
    apps = {v: build(v) for v in variants}
    for variant, app in apps.items():
        cpu_per_request_us(app, 2000, variant == "greenit")  # warm up; starts the watchdog
    out: dict[str, list[float]] = {v: [] for v in variants}
    for _ in range(rounds):
        for variant, app in apps.items():
            out[variant].append(cpu_per_request_us(app, n // 20 if variant == "pyinstrument" else n,
                                                   variant == "greenit"))
    return out


# -- under gunicorn -----------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _worker_pid(master: int, limit_s: float = 10.0) -> int:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        except OSError:
            children = []
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise RuntimeError("no gunicorn worker")


def _process_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime of every thread


def _start(variant: str) -> tuple[subprocess.Popen, int, int]:
    port = _free_port()
    env = {**os.environ, "BENCH_VARIANT": variant, "GREENIT_RUNTIME_DIR": str(WORK / "greenit-runtime")}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-k", "sync", "-b", f"{HOST}:{port}",
                             "--pythonpath", str(HERE), "--log-level", "warning",
                             "runtime_sustained_cpu:application"], env=env, cwd=WORK)
    for _ in range(100):
        try:
            with socket.create_connection((HOST, port), timeout=0.2):
                return proc, port, _worker_pid(proc.pid)
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"gunicorn for {variant} did not start")


def _load(port: int, seconds: float, clients: int = 2) -> int:
    """Keep-alive is not served by the sync worker: one connection per request, as in production."""
    counts = [0] * clients
    deadline = time.monotonic() + seconds

    def client(i: int) -> None:
        while time.monotonic() < deadline:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            try:
                conn.request("GET", "/")
                conn.getresponse().read()
                counts[i] += 1
            except OSError:
                pass
            finally:
                conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 10)
    return sum(counts)


def under_gunicorn(variants: list[str], rounds: int, seconds: float) -> dict[str, list[float]]:
    servers = {v: _start(v) for v in variants}
    out: dict[str, list[float]] = {v: [] for v in variants}
    try:
        for _proc, port, _pid in servers.values():
            _load(port, 1.0)  # warm up
        for _ in range(rounds):
            for variant, (_proc, port, pid) in servers.items():
                cpu0 = _process_cpu_s(pid)
                served = _load(port, seconds)
                time.sleep(0.3)  # one watchdog tick (0.25 s by default) drains the last requests
                out[variant].append((_process_cpu_s(pid) - cpu0) / max(served, 1) * 1e6)
    finally:
        for proc, _port, _pid in servers.values():
            proc.send_signal(signal.SIGTERM)
        for proc, _port, _pid in servers.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return out


def show(title: str, results: dict[str, list[float]]) -> None:
    bare = statistics.median(results["bare"])
    print(f"\n{title} (median µs of CPU per request; added over bare; ratio to bare)")
    for variant, values in results.items():
        median = statistics.median(values)
        spread = (max(values) - min(values)) / median * 100 if median else 0.0
        print(f"  {variant:<13} {median:8.2f} µs   +{median - bare:7.2f} µs   x{median / bare:5.2f}"
              f"   (spread {spread:4.1f} %)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=50000, help="calls per in-process round")
    parser.add_argument("--seconds", type=float, default=3.0, help="load per server round")
    parser.add_argument("--skip-server", action="store_true")
    parser.add_argument("--variants", default="", help="comma-separated subset, e.g. bare,greenit")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    wanted = {v for v in args.variants.split(",") if v}
    variants = [v for v in available() if not wanted or v in wanted or v == "bare"]
    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs "
          f"({cpu_model()}), load average {os.getloadavg()[0]:.2f}; "
          f"{args.rounds} interleaved rounds; variants: {', '.join(variants)}")
    show("in process, watchdog included", in_process(variants, args.rounds, args.requests))
    if not args.skip_server and importlib.util.find_spec("gunicorn"):
        rounds = max(3, args.rounds // 2 + 1)
        show(f"gunicorn sync worker, whole worker process, {args.seconds:g} s x {rounds} rounds",
             under_gunicorn(variants, rounds, args.seconds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

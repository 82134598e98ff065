"""Overhead of the runtime hook, side by side with OpenTelemetry's WSGI middleware and pyinstrument.

Two measurements in one run, on a trivial WSGI endpoint:

1. In-process cost per request: the app called directly with and without each wrapper, in
   interleaved rounds; prints medians (µs per request) and the added cost over the bare app.
2. Throughput: one gunicorn worker per variant on 127.0.0.1, loaded with `wrk` (or a small Python
   client when wrk is missing), variants interleaved round by round; prints median requests/s and
   the ratio to the bare app.

    pip install -e '.[test,bench]'
    python bench/runtime_overhead.py [--rounds 5] [--seconds 3]

The OpenTelemetry variant uses the API without an SDK (its no-op tracer: the cheapest possible
OTel set-up); the pyinstrument variant starts and stops a Profiler around each request, which is
what its middleware does for each profiled request. Not a test: figures depend on the machine.
This times the request thread only; bench/runtime_sustained_cpu.py counts the watchdog's CPU too.
"""
from __future__ import annotations

import argparse
import http.client
import os
import shutil
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
VARIANTS = ("bare", "greenit", "otel", "pyinstrument")


def trivial_app(environ, start_response):  # noqa: ARG001 - the WSGI signature
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


# gunicorn imports this module as `runtime_overhead:application` with BENCH_VARIANT set.
if os.environ.get("BENCH_VARIANT"):
    application = build(os.environ["BENCH_VARIANT"])


def _environ() -> dict:
    return {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "QUERY_STRING": "", "SERVER_NAME": HOST,
            "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
            "wsgi.input": None, "wsgi.errors": sys.stderr, "HTTP_HOST": HOST}


def _start_response(status, headers, exc_info=None):  # noqa: ARG001 - the WSGI signature
    return None


def per_request_us(app, n: int) -> float:
    base = _environ()
    start = time.perf_counter_ns()
    for _ in range(n):
        result = app(dict(base), _start_response)
        for _chunk in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return (time.perf_counter_ns() - start) / n / 1000


def in_process(rounds: int, n: int) -> dict[str, list[float]]:
    apps = {v: build(v) for v in VARIANTS}
    for app in apps.values():
        per_request_us(app, 1000)  # warm up (and start the greenit watchdog)
    times: dict[str, list[float]] = {v: [] for v in VARIANTS}
    for _ in range(rounds):
        for variant, app in apps.items():
            times[variant].append(per_request_us(app, n // 20 if variant == "pyinstrument" else n))
    return times


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _start(variant: str) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {**os.environ, "BENCH_VARIANT": variant, "GREENIT_RUNTIME_DIR": str(WORK / "greenit-runtime")}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "4",
                             "-b", f"{HOST}:{port}", "--pythonpath", str(HERE), "--log-level", "warning",
                             "runtime_overhead:application"], env=env, cwd=WORK)
    for _ in range(100):
        try:
            with socket.create_connection((HOST, port), timeout=0.2):
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"gunicorn for {variant} did not start")


def _wrk(port: int, seconds: float) -> float:
    out = subprocess.run(["wrk", "-t1", "-c8", f"-d{seconds:g}s", f"http://{HOST}:{port}/"],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    return float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec")))


def _python_client(port: int, seconds: float) -> float:
    counts = [0] * 4
    deadline = time.monotonic() + seconds

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=5)
        while time.monotonic() < deadline:
            conn.request("GET", "/")
            conn.getresponse().read()
            counts[i] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 10)
    return sum(counts) / seconds


def throughput(rounds: int, seconds: float) -> dict[str, list[float]]:
    load = _wrk if shutil.which("wrk") else _python_client
    servers = {v: _start(v) for v in VARIANTS}
    rps: dict[str, list[float]] = {v: [] for v in VARIANTS}
    try:
        for variant, (_proc, port) in servers.items():
            load(port, 1)  # warm up
        for _ in range(rounds):
            for variant, (_proc, port) in servers.items():
                rps[variant].append(load(port, seconds))
    finally:
        for proc, _port in servers.values():
            proc.send_signal(signal.SIGTERM)
        for proc, _port in servers.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return rps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=20000, help="calls per in-process round")
    parser.add_argument("--seconds", type=float, default=3.0, help="load duration per throughput round")
    parser.add_argument("--skip-server", action="store_true")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.rounds} interleaved rounds")
    times = in_process(args.rounds, args.requests)
    bare = statistics.median(times["bare"])
    print("\nin-process cost per request (median µs; added over bare)")
    for variant, values in times.items():
        median = statistics.median(values)
        print(f"  {variant:<13} {median:8.2f} µs   +{median - bare:7.2f} µs   x{median / bare:5.2f}")
    if args.skip_server:
        return 0
    rps = throughput(max(3, args.rounds // 2 + 1), args.seconds)
    base = statistics.median(rps["bare"])
    tool = "wrk -t1 -c8" if shutil.which("wrk") else "python client, 4 threads"
    print(f"\nthroughput, gunicorn gthread 1 worker x 4 threads, {tool} (median req/s; ratio to bare)")
    for variant, values in rps.items():
        median = statistics.median(values)
        spread = (max(values) - min(values)) / median * 100
        print(f"  {variant:<13} {median:9.0f} req/s   {median / base:6.3f}   (spread {spread:4.1f} %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

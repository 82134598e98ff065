"""Benchmark: the static check on a large real code base, side by side with its peers.

Obtains Django 5.2's source distribution itself (`pip download --no-deps --no-binary :all:
django==5.2.19`: about 2,800 files, 490k lines) and measures, in one run on the same machine:

- our cold check (empty cache), and our warm re-run (nothing changed);
- `ast.parse` of every file in one process (the floor for anything that reads Python);
- `libcst.parse_module` of every file (what a libcst-only checker would pay);
- `ruff check --select ASYNC` and `flake8 --select ASYNC` with flake8-async (the peers).

Each is a separate process: wall time (median of --repeat runs), files per second, peak memory
(max RSS of the process). Ratios are against `ast.parse`, measured in the same run.

    python bench/static_check.py [--repeat 3] [--skip-slow] [--timeout 900]

`--skip-slow` leaves out libcst and flake8 (minutes each). Missing peers (ruff, flake8-async) are
installed with pip into the current environment, or reported as unavailable.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
DJANGO = "django==5.2.19"

PARSE_ALL = """
import ast, pathlib, sys, warnings
warnings.simplefilter("ignore")
n = 0
for root in sys.argv[1:]:
    for p in pathlib.Path(root).rglob("*.py"):
        try:
            ast.parse(p.read_bytes())
            n += 1
        except (SyntaxError, ValueError):
            pass
print(n)
"""

LIBCST_ALL = """
import pathlib, sys, libcst
n = 0
for p in pathlib.Path(sys.argv[1]).rglob("*.py"):
    try:
        libcst.parse_module(p.read_bytes())
        n += 1
    except Exception:
        pass
print(n)
"""


def obtain_django() -> Path:
    target = WORK / "django-5.2.19"
    if target.is_dir():
        return target
    WORK.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", DJANGO,
                    "-d", str(WORK)], check=True)
    archive = next(WORK.glob("django-5.2.19.tar.gz"), None) or next(WORK.glob("Django-5.2.19.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(WORK, filter="data")
    extracted = next(p for p in WORK.iterdir() if p.is_dir() and p.name.lower() == "django-5.2.19")
    if extracted != target:
        extracted.rename(target)
    return target


def ensure(module: str, package: str) -> bool:
    probe = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True)
    if probe.returncode == 0:
        return True
    return subprocess.run([sys.executable, "-m", "pip", "install", "-q", package]).returncode == 0


# The children run as an installed tool does: with its modules' bytecode cached. An environment
# with PYTHONDONTWRITEBYTECODE (this project's shared machine sets it) never caches an editable
# checkout's bytecode, and every run then compiled the tool's ~100 modules from source again
# (0.15-0.3 s CPU of each check; a wheel's are compiled when pip installs it).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(cmd: list[str], cwd: Path, timeout: float) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in KiB, exit status) of one run of `cmd`.

    The child is waited for, not polled: a poll every 10 ms added up to 10 ms to each run, as much
    as ruff's whole cached run or the interpreter's start (bench/floor.py). A timer kills a child
    still running at `timeout`."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=CHILD_ENV)
    state = {"done": False, "killed": False}
    lock = threading.Lock()

    def kill() -> None:
        with lock:
            if not state["done"]:  # (never a pid the wait below has reaped: it may be another process's now)
                state["killed"] = True
                proc.kill()

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        with lock:
            state["done"] = True
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)  # (reaped here: Popen must not wait for it again)
    if state["killed"]:
        return float("inf"), 0, -9
    return wall, usage.ru_maxrss, proc.returncode


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-slow", action="store_true")
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args(argv)

    source = obtain_django()
    files = sum(1 for _ in source.rglob("*.py"))
    lines = sum(p.read_bytes().count(b"\n") for p in source.rglob("*.py"))
    print(f"corpus: {source.name}, {files} files, {lines} lines; {os.cpu_count()} cores; Python {sys.version.split()[0]}")

    cache = Path(tempfile.mkdtemp(prefix="gal-bench-"))
    config = cache / "bench.toml"
    config.write_text(f'[tool.greenit-async-lint]\ncache-dir = "{cache / "c"}"\n')
    ours = [sys.executable, "-m", "greenit_async_lint", "check", "--config", str(config),
            "--format", "json", "--output", str(cache / "report.json"), "."]
    runs: list[tuple[str, list[str], int]] = [
        ("ast.parse, one process", [sys.executable, "-c", PARSE_ALL, "."], args.repeat),
        ("greenit-async-lint cold", ours, args.repeat),
        ("greenit-async-lint warm", ours, args.repeat),
    ]
    if ensure("ruff", "ruff"):
        runs.append(("ruff check --select ASYNC", [sys.executable, "-m", "ruff", "check", "--select", "ASYNC",
                                                   "--no-cache", "--exit-zero", "--quiet", "."], args.repeat))
    if not args.skip_slow:
        runs.append(("libcst.parse_module, one process", [sys.executable, "-c", LIBCST_ALL, "."], 1))
        if ensure("flake8_async", "flake8-async"):
            runs.append(("flake8 --select ASYNC (flake8-async), -j auto",
                         [sys.executable, "-m", "flake8", "--select", "ASYNC", "--exit-zero", "."], 1))

    results: dict[str, tuple[float, int]] = {}
    for name, cmd, repeat in runs:
        walls, peaks = [], []
        for _ in range(repeat):
            if name.endswith("cold"):
                shutil.rmtree(cache / "c", ignore_errors=True)
            wall, peak, status = measure(cmd, source, args.timeout)
            walls.append(wall)
            peaks.append(peak)
        results[name] = (statistics.median(walls), max(peaks))
        wall = results[name][0]
        shown = f"{wall:8.2f} s" if wall != float("inf") else f"  > {args.timeout:.0f} s (stopped)"
        print(f"{name:48s} {shown}  {files / wall if wall else 0:8.0f} files/s  {max(peaks) / 1024:7.0f} MiB peak"
              f"  (median of {repeat})", flush=True)

    base = results["ast.parse, one process"][0]
    cold = results["greenit-async-lint cold"][0]
    warm = results["greenit-async-lint warm"][0]
    print()
    print(f"cold check / ast.parse: {cold / base:.2f}x (target <= 3x)")
    print(f"warm re-run / cold check: {100 * warm / cold:.1f}% (target < 10%)")
    print(f"peak memory of the cold check: {results['greenit-async-lint cold'][1] / 1024:.0f} MiB (target < 1024 MiB)")
    for name, (wall, _peak) in results.items():
        if name.startswith(("ruff", "flake8", "libcst")) and wall != float("inf"):
            print(f"{name} / cold check: {wall / cold:.2f}x")
    shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

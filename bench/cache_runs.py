"""Benchmark: what the on-disk caches save on a real application, run as a user runs the CLI.

Copies an application tree (default: the primer's mealie) into a temporary folder, then times
`greenit-async-lint check .` from its root, each run its own process, median of --repeat runs:

- cold: no cache folder (every module parsed and summarised, both caches written);
- warm: nothing changed since the last run (the result cache answers);
- edit: one module's content changed since the last run (the result cache misses, the summary
  cache answers for every other module);
- no-cache: `--no-cache` (the reference the caches must beat).

    python bench/cache_runs.py [--app ~/.cache/greenit-primer/apps/mealie] [--repeat 3] [--jobs 1]

Not a test: figures depend on the machine. Requires this package installed.
"""
from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIMEOUT = 900
CACHE = ".greenit-cache"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(root: Path, *extra: str, jobs: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the check and its workers): on a shared machine the CPU time
    is the steadier figure, since waiting for a core does not count."""
    start, cpu = time.perf_counter(), _cpu()
    subprocess.run([sys.executable, "-m", "greenit_async_lint", "check", ".", "--jobs", str(jobs), *extra],
                   cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=TIMEOUT, check=False)
    return time.perf_counter() - start, _cpu() - cpu


def _edit_target(root: Path) -> Path:
    return max((p for p in root.rglob("*.py") if CACHE not in p.parts), key=lambda p: p.stat().st_size)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", default=str(Path.home() / ".cache/greenit-primer/apps/mealie"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (1: least noise on a shared machine)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gal-cache-bench-") as tmp:
        root = Path(tmp) / "app"
        shutil.copytree(args.app, root, symlinks=True, ignore=shutil.ignore_patterns(CACHE, ".git"))
        target = _edit_target(root)
        times: dict[str, list[tuple[float, float]]] = {"cold": [], "warm": [], "edit": [], "no-cache": []}
        for n in range(args.repeat):
            shutil.rmtree(root / CACHE, ignore_errors=True)
            times["cold"].append(_run(root, jobs=args.jobs))
            times["warm"].append(_run(root, jobs=args.jobs))
            with target.open("a", encoding="utf-8") as handle:
                handle.write(f"\n_bench_edit_{n} = {n}\n")
            times["edit"].append(_run(root, jobs=args.jobs))
            times["no-cache"].append(_run(root, "--no-cache", jobs=args.jobs))
        files = sum(1 for _ in root.rglob("*.py"))
        size = sum(p.stat().st_size for p in (root / CACHE).rglob("*") if p.is_file()) if (root / CACHE).exists() else 0
    print(f"{args.app}: {files} .py files, cache {size / 1e6:.1f} MB, medians of {args.repeat} (s): wall, CPU")
    for name, values in times.items():
        wall, cpu = [v[0] for v in values], [v[1] for v in values]
        print(f"  {name:9s} wall {statistics.median(wall):6.2f}  CPU {statistics.median(cpu):6.2f}"
              f"   (CPU {', '.join(f'{v:.2f}' for v in cpu)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

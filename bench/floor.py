"""Benchmark: how fast a warm run could be, from CPython, beside ruff's cached run.

Issue 13 asks for a warm re-run (nothing changed) no slower than `ruff check --select ASYNC` with
its cache, on the same tree. This measures, on the primer's applications, in rounds (every row
once per round, so that the machine's drift moves them alike), each a separate process timed
from its start to its end:

- `ruff check --select ASYNC`, cached (its cache filled first): the peer;
- `python -I -S -c pass`: the interpreter alone, no site, no module of ours: what any program
  written in Python pays before its first line;
- `python -c pass`: the same interpreter as the console script starts it (site and its `.pth`
  files: what `greenit-async-lint` pays before its first line);
- `python -I -S` listing the tree's `.py` files and reading each one's stat (os.scandir only,
  nothing else imported): the least a warm run must do to know that nothing changed;
- our warm run (`check --format json`, nothing changed since the cold run before it).

Each row's median, and its ratio to ruff's (the median of each round's ratio). A row over 1.00x
that does no more than start the interpreter shows that no CPython program meets the target on
that tree; the stat walk shows what is left for everything else.

    python bench/floor.py [--apps flaskbb,mealie,netbox] [--repeat 21]

The trees are the primer's extracted applications (run `python eval/primer.py --apps NAME` once),
checked as the primer checks them (cwd = the tree, `check <root>`), on a hard-linked copy.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from realapps import app_tree, machine, ruff  # noqa: E402 - the same trees, peer and machine line
from static_check import measure  # noqa: E402 - the same timer

DEFAULT_APPS = "flaskbb,mealie,netbox"

# Every .py file under the root and its stat, as a warm run must know them, with os alone.
STAT_WALK = """
import os, sys
def walk(folder, out):
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if not entry.name.startswith(".") and entry.name != "__pycache__":
                    walk(entry.path, out)
            elif entry.name.endswith(".py"):
                out.append((entry.path, entry.stat().st_mtime_ns, entry.stat().st_size))
found = []
walk(sys.argv[1], found)
print(len(found))
"""


def one_app(name: str, repeat: int, timeout: float) -> None:
    top, rel = app_tree(name)
    work = Path(tempfile.mkdtemp(prefix=f"gal-floor-{name}-"))
    tree = work / "tree"
    shutil.copytree(top, tree, symlinks=True, copy_function=os.link,
                    ignore=shutil.ignore_patterns("__pycache__", ".greenit-cache", ".ruff_cache", "node_modules"))
    config = work / "bench.toml"
    config.write_text(f'[tool.greenit-async-lint]\ncache-dir = "{work / "cache"}"\n')
    ours = [sys.executable, "-m", "greenit_async_lint", "check", "--config", str(config), "--allow-empty",
            "--format", f"json={work / 'report.json'}", rel]
    peer = ruff()
    if peer is None:
        raise SystemExit("ruff is not installed here (pip install ruff): nothing to compare with")
    cached = [*peer, "check", "--select", "ASYNC", "--exit-zero", "--quiet", "--cache-dir", str(work / "ruff-cache"), rel]
    rows = [("ruff --select ASYNC, cached", cached),
            ("python -I -S -c pass", [sys.executable, "-I", "-S", "-c", "pass"]),
            ("python -c pass (as the script)", [sys.executable, "-c", "pass"]),
            ("python -I -S, stat every .py", [sys.executable, "-I", "-S", "-c", STAT_WALK, rel]),
            ("ours warm, json", ours)]
    for _label, cmd in (rows[0], rows[-1]):  # fill both caches
        measure(cmd, tree, timeout)
    samples: dict[str, list[float]] = {label: [] for label, _cmd in rows}
    for _round in range(repeat):
        for label, cmd in rows:
            wall, _peak, status = measure(cmd, tree, timeout)
            if status not in (0, 1):
                raise SystemExit(f"{label}: exit status {status} from {' '.join(cmd)} in {tree}")
            samples[label].append(wall)
    files = sum(1 for _ in (tree / rel).rglob("*.py"))
    print(f"\n{name}: {files} files (check {rel}), {repeat} rounds", flush=True)
    base = samples[rows[0][0]]
    for label, got in samples.items():
        paired = statistics.median(a / b for a, b in zip(got, base))
        print(f"  {label:32s} {1000 * statistics.median(got):7.1f} ms  {paired:5.2f}x ruff cached", flush=True)
    shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", default=DEFAULT_APPS, help=f"comma-separated primer applications ({DEFAULT_APPS})")
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    for name in [a.strip() for a in args.apps.split(",") if a.strip()]:
        one_app(name, args.repeat, args.timeout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

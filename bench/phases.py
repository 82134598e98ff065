"""Benchmark: where the CPU time of one cold `check` goes, phase by phase, on a primer application.

    python bench/phases.py --apps mealie,netbox [--format json] [--repeat 5] [--python PATH]

Each run is a child process (`--jobs 1`, an empty cache folder) that wraps the check's stages
with `time.process_time()`: the imports before the check, `summarize` (parsing and summarising
every file, without the encoding), `encode` (encoding and writing the summaries for the cache,
which one process does itself), the rest of
`analyse` (the project-wide analysis), `fixes` (attach_fixes: remedies, and with JSON the
codemods' diffs), and `after` (output and exit, until the child ends; with c7335b2 a check
leaves without the interpreter's teardown). Medians of the runs; the figures are CPU seconds of
the child as it measures itself, so on a loaded machine they are steadier than wall time.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from realapps import app_root, machine  # noqa: E402 - the same trees and machine line as realapps.py
from static_check import CHILD_ENV  # noqa: E402 - the children run with their bytecode cached

CHILD = r'''
import json, os, sys, time
start = time.process_time()
from greenit_async_lint import check, cli
from greenit_async_lint.analysis import loader, workers
from greenit_async_lint.fix import remedies
spent = {"imports": time.process_time() - start}

def timed(module, name, label):
    inner = getattr(module, name)
    def wrapper(*args, **kwargs):
        begin = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.process_time() - begin
    setattr(module, name, wrapper)

timed(check, "analyse", "analyse")
timed(remedies, "attach_fixes", "fixes")
timed(workers, "write", "encode")
timed(loader, "summarize", "summarize")
code = cli.main(sys.argv[1:])
spent["total"] = time.process_time()
with open(os.environ["GAL_PHASES_OUT"], "w") as out:
    json.dump(spent, out)
if getattr(check, "_PARKED", None):  # as __main__.py does since c7335b2
    sys.stdout.flush()
    os._exit(code)
'''
PHASES = ("imports", "summarize", "encode", "analysis", "fixes", "after", "total")


def one_run(python: str, tree: Path, root: str, fmt: str, work: Path) -> dict[str, float]:
    cache = work / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    config = work / "bench.toml"
    config.write_text(f'[tool.greenit-async-lint]\ncache-dir = "{cache}"\n')
    out = work / "phases.json"
    env = {**CHILD_ENV, "GAL_PHASES_OUT": str(out)}
    errors = work / "stderr.txt"
    with errors.open("w") as stderr:
        proc = subprocess.Popen([python, "-c", CHILD, "check", "--config", str(config), "--jobs", "1",
                                 "--format", f"{fmt}={work / 'report'}", root], cwd=tree, env=env,
                                stdout=subprocess.DEVNULL, stderr=stderr)
        _pid, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1) or not out.exists():
        raise SystemExit(f"check of {tree / root} exited with {os.waitstatus_to_exitcode(status)}:\n"
                         f"{errors.read_text()[-2000:]}")
    seen = json.loads(out.read_text())
    child = usage.ru_utime + usage.ru_stime
    return {"imports": seen["imports"], "summarize": seen.get("summarize", 0.0), "encode": seen.get("encode", 0.0),
            "analysis": seen["analyse"] - seen.get("summarize", 0.0) - seen.get("encode", 0.0),
            "fixes": seen["fixes"], "after": child - seen["imports"] - seen["analyse"] - seen["fixes"],
            "total": child}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", default="mealie")
    parser.add_argument("--format", default="json", choices=("json", "text"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--python", default=sys.executable, help="the interpreter whose greenit-async-lint to run")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    for name in [a.strip() for a in args.apps.split(",") if a.strip()]:
        root = app_root(name)
        top = next(p for p in [root, *root.parents] if p.parent.name == "apps")
        work = Path(tempfile.mkdtemp(prefix=f"gal-bench-phases-{name}-"))
        try:
            runs = [one_run(args.python, top, root.relative_to(top).as_posix(), args.format, work)
                    for _ in range(args.repeat)]
        finally:
            shutil.rmtree(work, ignore_errors=True)
        cells = "  ".join(f"{p} {statistics.median(r[p] for r in runs):.2f}" for p in PHASES)
        print(f"{name} ({args.format}, CPU s, median of {args.repeat}, load {os.getloadavg()[0]:.1f}): {cells}",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

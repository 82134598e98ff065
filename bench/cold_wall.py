"""Benchmark: wall and CPU time of `check --format json` at default settings (its worker processes
included), for two or more interpreters, interleaved, on hard-linked copies of the primer's trees.

refs.py measures `--jobs 1`, where no process is started; this one runs what a user runs (one
summarising process per core) so that the overlap of summarising, analysis and cache writing shows.
Each round runs, for each interpreter in turn, `cold` (no cache folder), `warm` (the same again)
and `edit` (a comment appended to the root's largest module, then restored). CPU is the check's
user + system time from os.wait4, which includes the workers it joined. Prints medians per app
and mode, the load average, and a digest of each JSON report (findings, handlers, fixes).

    python bench/cold_wall.py --python /tmp/a/.venv/bin/python --python /tmp/b/.venv/bin/python \\
        [--apps ctfd,mealie] [--repeat 5] [--modes cold,warm,edit] [--jobs N]

The trees are the primer's extracted applications (realapps.app_tree: run `python eval/primer.py
--apps NAME` once to download one), copied with hard links, the check run as the primer runs it.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from realapps import app_tree  # noqa: E402 - the same trees as the other real-application benchmarks

p = argparse.ArgumentParser()
p.add_argument("--python", action="append", required=True)
p.add_argument("--apps", default="ctfd,mealie,paperless-ngx,netbox,indico")
p.add_argument("--repeat", type=int, default=5)
p.add_argument("--modes", default="cold,warm,edit")
p.add_argument("--jobs", default=None)
a = p.parse_args()
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

def run(py, tree, root, out):
    cmd = [py, "-P", "-m", "greenit_async_lint", "check", "--allow-empty", "--format", f"json={out}", root]
    if a.jobs: cmd[5:5] = ["--jobs", a.jobs]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    err = proc.stderr.read(); proc.stderr.close()
    if os.waitstatus_to_exitcode(status) not in (0, 1): print("FAILED", py, err[-500:])
    # children joined by the check are in its rusage
    return wall, ru.ru_utime + ru.ru_stime

def digest(path):
    d = json.loads(Path(path).read_text())
    keep = {k: d[k] for k in d if k not in ("timing", "tool", "run", "generated_at", "duration", "generated")}
    return hashlib.sha256(json.dumps(keep, sort_keys=True).encode()).hexdigest()[:16]

print("load", os.getloadavg(), flush=True)
for app in a.apps.split(","):
    work = tempfile.mkdtemp(prefix=f"pipe-{app}-")
    top, root = app_tree(app)
    trees = {}
    for k, py in enumerate(a.python):
        tree = os.path.join(work, f"t{k}")
        shutil.copytree(top, tree, symlinks=True, copy_function=os.link,
                        ignore=shutil.ignore_patterns("__pycache__", ".greenit-cache", ".ruff_cache", "node_modules"))
        trees[py] = tree
    # the largest module of the root, for the edit mode
    biggest = max((os.path.join(d, f) for d, _, fs in os.walk(os.path.join(trees[a.python[0]], root)) for f in fs if f.endswith(".py")), key=os.path.getsize)
    rel = os.path.relpath(biggest, trees[a.python[0]])
    res = {(py, m): [] for py in a.python for m in a.modes.split(",")}
    digs = {}
    loads = []
    for r in range(a.repeat):
        for py in a.python:
            tree = trees[py]
            for name in (".greenit-cache",):
                shutil.rmtree(os.path.join(tree, root, name), ignore_errors=True)
                shutil.rmtree(os.path.join(tree, name), ignore_errors=True)
            out = os.path.join(work, f"r{a.python.index(py)}.json")
            loads.append(os.getloadavg()[0])
            for m in a.modes.split(","):
                if m == "edit":
                    f = os.path.join(tree, rel)
                    orig = Path(f).read_bytes(); os.unlink(f)  # break the hard link
                    Path(f).write_bytes(orig + b"\n# edited\n")
                    res[(py, m)].append(run(py, tree, root, out))
                    os.unlink(f); Path(f).write_bytes(orig)
                else:
                    res[(py, m)].append(run(py, tree, root, out))
                    digs.setdefault((py, m), set()).add(digest(out))
    for m in a.modes.split(","):
        line = f"{app:14s} {m:5s}"
        for py in a.python:
            w = statistics.median(x[0] for x in res[(py, m)]); c = statistics.median(x[1] for x in res[(py, m)])
            line += f" | wall {w:6.2f} cpu {c:6.2f} dig {','.join(sorted(digs.get((py, m), {'-'})))}"
        print(line, f"| load {statistics.median(loads):.1f}", flush=True)
    shutil.rmtree(work, ignore_errors=True)

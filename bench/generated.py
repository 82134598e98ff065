"""Benchmark: the check on generated projects of 1,000 to 30,000 files, beside its peers.

The primer's applications (realapps.py) are real but small (78 to 1,270 files). This generates
larger ones with the Flask project of flake8_editor.py (an app factory registering one blueprint
per feature package of 12 modules, handlers reaching `soffice`, SMTP, HTTP in loops and archives
through helpers in other modules, tests filling the count) and measures, each as its own process
from the project's root, in one run on the same machine:

- `ast.parse` of every file in one process (the floor) and `ruff check --select ASYNC`, without
  and with its cache (the peer);
- our check cold (empty cache folder) with `--format json` (fix suggestions and diffs), warm
  (nothing changed), and after one edited file (a function appended to `portal/views.py`);
- peak memory (max RSS) of each.

    python bench/generated.py [--files 1000,10000,30000] [--repeat 3]

Wall times are medians of --repeat runs (the 30,000-file cold check once unless --repeat says
more: it takes minutes on two cores). Ratios are against `ast.parse` and ruff measured in the same
run; growth is each size's figure over the smallest size's, beside the files' ratio.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from flake8_editor import generate  # noqa: E402 - the same generated project as the editor benchmark
from realapps import Runner, machine, ruff  # noqa: E402 - the same runner and peers as the real applications
from static_check import PARSE_ALL, measure  # noqa: E402

EDITED = "portal/views.py"


def one_size(total: int, args: argparse.Namespace) -> dict[str, tuple[float, int]]:
    work = Path(tempfile.mkdtemp(prefix=f"gal-generated-{total}-"))
    tree = work / "tree"
    files = generate(tree, total)
    r = Runner(tree, work, args.repeat, args.timeout, args.jobs)
    print(f"\n{files} files ({tree})", flush=True)
    rows = [("ast.parse, one process", [sys.executable, "-c", PARSE_ALL, "."], None)]
    peer = ruff()
    if peer:
        rows.append(("ruff --select ASYNC, no cache", [*peer, "check", "--select", "ASYNC", "--no-cache",
                                                       "--exit-zero", "--quiet", "."], None))
        rows.append(("ruff --select ASYNC, cached", [*peer, "check", "--select", "ASYNC", "--exit-zero", "--quiet",
                                                     "--cache-dir", str(work / "ruff-cache"), "."], None))
    rows += [("ours cold, json with fixes", r.check("json"), r.cold),
             ("ours warm, json", r.check("json"), None)]
    for label, cmd, before in rows:
        if label.endswith("cached"):
            measure(cmd, tree, args.timeout)  # fill ruff's cache first: its warm run is what we compare
        wall, peak = r.run(label, cmd, before)
        print(f"  {label:32s} {wall:8.2f} s  {peak / 1024:7.0f} MiB", flush=True)
    views = tree / EDITED
    original = views.read_bytes()

    def edit(i: int) -> None:
        # A function appended: an edit the analysis reads, so the whole analysis runs again (a
        # comment alone would leave the result held standing, analysis/cutoff.py).
        views.write_bytes(original + f"\n\ndef _benchmark_edit_{i}():\n    return {i}\n".encode())

    wall, peak = r.run("ours one file edited, json", r.check("json"), edit)
    print(f"  {'ours one file edited, json':32s} {wall:8.2f} s  {peak / 1024:7.0f} MiB  ({EDITED})", flush=True)
    res = dict(r.results)
    base, cold, warm = (res[k][0] for k in ("ast.parse, one process", "ours cold, json with fixes", "ours warm, json"))
    line = f"  cold json / ast.parse {cold / base:.2f}x; one file edited / warm {res['ours one file edited, json'][0] / warm:.2f}x"
    if "ruff --select ASYNC, cached" in res:
        line += f"; warm / ruff cached {warm / res['ruff --select ASYNC, cached'][0]:.2f}x"
    print(line + f"; peak memory, cold json: {res['ours cold, json with fixes'][1] / 1024:.0f} MiB", flush=True)
    res["files"] = (float(files), 0)
    shutil.rmtree(work, ignore_errors=True)
    return res


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", default="1000,10000,30000", help="comma-separated project sizes")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, help="our parse workers (default: the tool's, one per core)")
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    sizes = sorted(int(n) for n in args.files.split(","))
    results = {n: one_size(n, args) for n in sizes}
    if len(sizes) > 1:
        first = results[sizes[0]]
        print(f"\ngrowth against {sizes[0]} files (time and memory of the cold JSON check, and ast.parse's time):")
        for n in sizes:
            res = results[n]
            scale = res["files"][0] / first["files"][0]
            cold, peak = res["ours cold, json with fixes"]
            base = res["ast.parse, one process"][0]
            print(f"  {int(res['files'][0]):6d} files ({scale:5.1f}x): check {cold / first['ours cold, json with fixes'][0]:5.1f}x"
                  f"  memory {peak / first['ours cold, json with fixes'][1]:5.1f}x"
                  f"  ast.parse {base / first['ast.parse, one process'][0]:5.1f}x", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

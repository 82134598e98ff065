"""Benchmark: what fix suggestions add to a cold check (issue 13 item 1).

Runs `python -m greenit_async_lint check <root> --no-cache --jobs 1` on primer applications
(trees in ~/.cache/greenit-primer/apps/<name>, roots from eval/apps.yaml) with `--format json`
(every finding with a codemod gets a diff) and `--format text` (no diffs), and reports the CPU
time of the child process (user + sys: steadier than wall time on a loaded machine), as medians
of --repeat runs, and the JSON/text ratio. Several interpreters (`--python LABEL=PATH`, e.g. a
venv with the code before a change and one after) are run interleaved, round by round, so that
the machine's load falls on each alike.

With `--compare DIR`, the `fix` of every finding of each interpreter's first JSON run is written
to DIR/<app>-<label>.json and compared with the first interpreter's: the fixes must be identical.

    python bench/fix_cost.py --app lnbits --python before=/tmp/v-base/bin/python \\
        --python after=/tmp/v-fix/bin/python --repeat 5 [--compare /tmp/fixes] [--formats json,text]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from static_check import CHILD_ENV  # noqa: E402 - the children run with their bytecode cached
APPS = Path.home() / ".cache" / "greenit-primer" / "apps"


def roots() -> dict[str, str]:
    """Each primer application's checked folder (eval/apps.yaml `root`)."""
    import yaml

    data = yaml.safe_load((HERE.parent / "eval" / "apps.yaml").read_text())
    entries = data.get("apps", data) if isinstance(data, dict) else data
    return {e["name"]: e.get("root", ".") for e in entries}


def run(python: str, app: str, root: str, fmt: str) -> tuple[float, bytes]:
    """(user + sys CPU seconds of the check, its stdout)."""
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"fix_cost.{os.getpid()}.out"
    with open(out_path, "wb") as out:
        proc = subprocess.Popen([python, "-m", "greenit_async_lint", "check", root, "--no-cache", "--jobs", "1",
                                 "--format", fmt], cwd=APPS / app, stdout=out, stderr=subprocess.DEVNULL, env=CHILD_ENV)
        _pid, status, usage = os.wait4(proc.pid, 0)
    data = out_path.read_bytes()
    out_path.unlink()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{python} on {app} ({fmt}) exited with {code}")
    return usage.ru_utime + usage.ru_stime, data


def fixes(data: bytes) -> list[object]:
    report = json.loads(data)
    return [[f["path"], f["line"], f["column"], f["code"], f["fix"]] for f in report["findings"]]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", action="append", help="primer application (repeatable; default lnbits)")
    parser.add_argument("--python", action="append", metavar="LABEL=PATH",
                        help="interpreter to measure (repeatable; default: this one)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--formats", default="json,text")
    parser.add_argument("--compare", type=Path, help="write and compare every finding's fix here")
    args = parser.parse_args(argv)
    pythons = [tuple(p.split("=", 1)) for p in args.python or [f"this={sys.executable}"]]
    formats = args.formats.split(",")
    known = roots()
    status = 0
    for app in args.app or ["lnbits"]:
        times: dict[tuple[str, str], list[float]] = {}
        first: dict[str, bytes] = {}
        for _round in range(args.repeat):
            for label, python in pythons:
                for fmt in formats:
                    cpu, data = run(python, app, known[app], fmt)
                    times.setdefault((label, fmt), []).append(cpu)
                    if fmt == "json":
                        first.setdefault(label, data)
        for label, _python in pythons:
            medians = {fmt: statistics.median(times[(label, fmt)]) for fmt in formats}
            line = "  ".join(f"{fmt} {medians[fmt]:.2f} s" for fmt in formats)
            if "json" in medians and "text" in medians:
                line += f"  json/text {medians['json'] / medians['text']:.2f}"
            print(f"{app:14} {label:8} {line}  (CPU, median of {args.repeat})")
        if args.compare and first:
            args.compare.mkdir(parents=True, exist_ok=True)
            base_label = pythons[0][0]
            base = fixes(first[base_label])
            for label, data in first.items():
                mine = fixes(data)
                (args.compare / f"{app}-{label}.json").write_text(json.dumps(mine, indent=1))
                with_diff = sum(1 for f in mine if f[4] and f[4].get("diff"))
                same = mine == base
                status |= not same
                print(f"{app:14} {label:8} {len(mine)} findings, {with_diff} diffs, "
                      f"{'identical to' if same else 'DIFFERENT from'} {base_label}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

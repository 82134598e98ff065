"""Benchmark: the CPU time of `check` at two (or more) commits, interleaved, on the primer's trees.

Each `--ref` is a git ref of this repository, built in a worktree of its own with a venv of its
own (`/tmp/gal-bench-refs/<sha>`, kept for the next run; the dependencies come from the running
interpreter's site-packages through a `.pth` file); or `.`, this checkout with the running
interpreter (uncommitted changes included); or the path of a Python interpreter whose environment
imports the version to measure (a worktree holding a change not committed yet). For each primer application (run
`python eval/primer.py --apps NAME` once to extract it) the tree is linked into a private folder
(hard links: nothing is written into the primer's tree), and every round runs, for each ref in
turn (A B A B ...: load that drifts during the run falls on every ref alike), from the tree with
the application's `root` (eval/apps.yaml) and `--jobs 1 --format json`:

- `no-cache`: `--no-cache`;
- `cold`: an empty cache folder (summaries, result and fix caches written);
- `warm`: the same command again (the result cache answers);
- `edit`: one comment appended to the largest module, then the same command (the summary cache
  answers for every other module), the module restored after.

The figure is the CPU time (user + system) of the check and its children from `os.wait4`: on a
shared machine waiting for a core does not count, so it is far steadier than wall time. Printed
per application and mode: the median of `--repeat` rounds per ref and each ref's ratio to the
one before it (`after/before`), with the median of the per-round ratios beside it; and a digest
of each ref's JSON report (findings and handlers, sorted), said to be the same as the ref
before it or not.

    python bench/refs.py --ref 938ac07 --ref 6735eda [--apps mealie,paperless-ngx,netbox]
                         [--repeat 7] [--modes no-cache,cold,warm,edit]

Not a test: the figures depend on the machine, which is printed with them (cores, load average at
the start and the end).
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from realapps import app_root, machine  # noqa: E402 - the same trees and machine line as realapps.py
from static_check import CHILD_ENV  # noqa: E402 - the children run with their bytecode cached

REPO = HERE.parent
REFS = Path(os.environ.get("GAL_BENCH_REFS", "/tmp/gal-bench-refs"))
MODES = ("no-cache", "cold", "warm", "edit")


def dependencies() -> str:
    """The folder this interpreter imports the tool's dependencies from (its own site-packages, or
    the one a `.pth` file of a worktree's venv points to: a `.pth` is not followed from another)."""
    import yaml

    return str(Path(yaml.__file__).resolve().parents[1])


def interpreter(ref: str) -> tuple[str, str]:
    """(label, python) for a ref: `.` is this checkout; anything else a worktree with its venv."""
    if ref == ".":
        return "checkout", sys.executable
    if Path(ref).is_file():  # an interpreter whose environment imports the version to measure
        return ref, ref
    sha = subprocess.run(["git", "rev-parse", "--short=9", f"{ref}^{{commit}}"], cwd=REPO, check=True,
                         capture_output=True, text=True).stdout.strip()
    tree, venv = REFS / sha / "tree", REFS / sha / "venv"
    python = venv / "bin" / "python"
    if not python.exists():
        REFS.mkdir(parents=True, exist_ok=True)
        if not tree.exists():
            subprocess.run(["git", "worktree", "add", "--detach", str(tree), sha], cwd=REPO, check=True,
                           capture_output=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "-e", str(tree)], check=True)
        site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
        Path(site, "zz-dependencies.pth").write_text(dependencies() + "\n")
    where = subprocess.run([str(python), "-c", "import greenit_async_lint as g; print(g.__file__)"], cwd="/",
                           check=True, capture_output=True, text=True).stdout.strip()
    if not where.startswith(str(tree)):
        raise SystemExit(f"{ref}: the package imports from {where}, not from {tree}")
    return f"{ref} ({sha})", str(python)


def run(python: str, cwd: Path, args: list[str], out: Path) -> float:
    """CPU seconds (user + system, the check and the children it waited for) of one check."""
    with out.open("wb") as handle:
        proc = subprocess.Popen([python, "-m", "greenit_async_lint", "check", *args], cwd=cwd, stdout=handle,
                                stderr=subprocess.DEVNULL, env=CHILD_ENV)
        _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{python} check {' '.join(args)} in {cwd}: exit {proc.returncode}")
    return usage.ru_utime + usage.ru_stime


def report_digest(path: Path) -> str:
    """A digest of the JSON report's findings and handlers, each list sorted."""
    data = json.loads(path.read_bytes())
    parts = [sorted(json.dumps(x, sort_keys=True) for x in data.get(key) or []) for key in ("findings", "handlers")]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:12]


def linked_copy(source: Path, target: Path) -> None:
    shutil.copytree(source, target, symlinks=True, copy_function=os.link,
                    ignore=shutil.ignore_patterns(".git", "__pycache__", ".greenit-cache", ".ruff_cache", "node_modules"))


def one_app(name: str, refs: list[tuple[str, str]], modes: list[str], repeat: int, save: Path | None) -> None:
    root = app_root(name)
    top = next(p for p in [root, *root.parents] if p.parent.name == "apps")
    work = Path(tempfile.mkdtemp(prefix=f"gal-bench-refs-{name}-"))
    tree = work / "tree"
    linked_copy(top, tree)
    relative = root.relative_to(top).as_posix()
    target = max((p for p in (tree / relative).rglob("*.py")), key=lambda p: p.stat().st_size)
    original = target.read_bytes()
    cpu: dict[tuple[str, str], list[float]] = {(m, label): [] for m in modes for label, _ in refs}
    digests: dict[tuple[str, str], set[str]] = {(m, label): set() for m in modes for label, _ in refs}
    print(f"\n{name}: {sum(1 for _ in (tree / relative).rglob('*.py'))} files under {relative}/, "
          f"{repeat} rounds, load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    try:
        for n in range(repeat):
            for label, python in refs:
                cache = work / "cache"
                config = work / "bench.toml"
                config.write_text(f'[tool.greenit-async-lint]\ncache-dir = "{cache}"\n')
                base = ["--config", str(config), "--jobs", "1", "--format", "json", relative]
                shutil.rmtree(cache, ignore_errors=True)
                for mode in modes:
                    args = ["--no-cache", *base] if mode == "no-cache" else base
                    if mode == "cold":
                        shutil.rmtree(cache, ignore_errors=True)
                    if mode == "edit":  # a new file replaces the link: the primer's tree is untouched
                        edited = target.with_name(target.name + ".new")
                        edited.write_bytes(original + f"\n# benchmark edit {n}\n".encode())
                        os.replace(edited, target)
                    out = work / f"report-{mode}.json"
                    cpu[mode, label].append(run(python, tree, args, out))
                    if mode != "edit":
                        digests[mode, label].add(report_digest(out))
                    if mode == "edit":
                        restored = target.with_name(target.name + ".new")
                        restored.write_bytes(original)
                        os.replace(restored, target)
            print(f"  round {n + 1}: " + "  ".join(f"{m} " + "/".join(f"{cpu[m, lb][-1]:.2f}" for lb, _ in refs)
                                                   for m in modes), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"  CPU seconds, median of {repeat} (ratio to the ref before it; median of the per-round ratios), "
          f"load average {os.getloadavg()[0]:.1f} at the end:")
    for mode in modes:
        cells = []
        for i, (label, _) in enumerate(refs):
            med = statistics.median(cpu[mode, label])
            cells.append(f"{label} {med:6.2f}")
            if i:
                before = cpu[mode, refs[i - 1][0]]
                paired = statistics.median(b / a for a, b in zip(before, cpu[mode, label]))
                cells[-1] += f" ({med / statistics.median(before):.3f}; {paired:.3f})"
        print(f"    {mode:8s} " + "   ".join(cells))
    if save:
        with save.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"app": name, "refs": [lb for lb, _ in refs],
                                     "cpu": {f"{m} {lb}": v for (m, lb), v in cpu.items()}}) + "\n")
    for mode in modes:
        if mode == "edit":
            continue
        cells = [f"{label} {','.join(sorted(digests[mode, label]))}" + (
            "" if not i else " (same as before)" if digests[mode, label] == digests[mode, refs[i - 1][0]]
            else " (DIFFERENT from before)") for i, (label, _) in enumerate(refs)]
        print(f"    {mode:8s} report digests: " + "   ".join(cells))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", action="append", required=True, help="a git ref, or `.` for this checkout")
    parser.add_argument("--apps", default="mealie,paperless-ngx,netbox")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--modes", default="no-cache,cold,warm", help=f"comma-separated, of {', '.join(MODES)}")
    parser.add_argument("--save", type=Path, help="append each application's raw CPU times to this JSON-lines file")
    args = parser.parse_args(argv)
    modes = [m for m in args.modes.split(",") if m]
    if any(m not in MODES for m in modes):
        parser.error(f"--modes: choose among {', '.join(MODES)}")
    if "warm" in modes and "cold" not in modes:
        parser.error("--modes: warm follows a cold run")
    refs = [interpreter(ref) for ref in args.ref]
    print(f"machine: {machine()}\nstarted {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    for name in [a.strip() for a in args.apps.split(",") if a.strip()]:
        one_app(name, refs, modes, args.repeat, args.save)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Benchmark: the check on the primer's real applications, side by side with its peers.

For each application (the primer's extracted trees, see eval/README.md: run `python
eval/primer.py --apps NAME` once to download one), on a hard-linked copy of the whole tree, run as
the primer runs them (cwd = the tree, `check <root>`; `ast.parse` and ruff read the same `<root>`), in one
run on the same machine, each a separate process (wall time: median of --repeat runs; peak memory: max RSS):

- `ast.parse` of every file in one process (the floor for anything that reads Python);
- `ruff check --select ASYNC`, without and with its cache (the peer);
- our check cold (empty cache) with `--format text`, and with `--format json` (fix suggestions
  and their diffs: what CI runs);
- our warm re-run (`--format json`, nothing changed);
- our re-runs after one file was edited (the module with the most findings): once with a comment
  appended (an edit no summary sees: the result held stands, analysis/cutoff.py), once with a
  function appended (an edit the analysis reads: the whole analysis runs again).

The rows run in rounds (each row once per round, --repeat rounds), so that a drift of the
machine's speed moves them alike. Ratios are against `ast.parse` and ruff measured in the same
run, as the ratio of medians and as the median of each round's ratio ("paired"); "fixes" is the
cost of the fix suggestions, json cold over text cold. `--scale N` instead copies each application 1..N times into
one tree and prints how the cold JSON check's time and memory grow against `ast.parse`'s.

    python bench/realapps.py [--apps lnbits,mealie,paperless-ngx] [--repeat 3] [--scale 5]

The machine is printed with the figures (cores, load average: a shared machine inflates
everything, the ratios less than the times).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from static_check import PARSE_ALL, measure  # noqa: E402 - the same floor and timer as the Django benchmark

sys.path.insert(0, str(HERE.parent / "eval"))
from cachepaths import busiest  # noqa: E402 - the module the primer's cache paths edit, too

REPO = HERE.parent
PRIMER = Path(os.environ.get("GREENIT_PRIMER_CACHE", Path.home() / ".cache" / "greenit-primer"))
DEFAULT_APPS = "lnbits,paperless-ngx,mealie"


def app_root(name: str) -> Path:
    apps = {a["name"]: a for a in yaml.safe_load((REPO / "eval" / "apps.yaml").read_text())["apps"]}
    if name not in apps:
        raise SystemExit(f"unknown application {name!r} (known: {', '.join(sorted(apps))})")
    root = PRIMER / "apps" / name / apps[name].get("root", ".")
    if not root.is_dir():
        raise SystemExit(f"{root} is missing: run `python eval/primer.py --apps {name}` once to extract it")
    return root


def machine() -> str:
    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({model or 'unknown CPU'}), "
            f"Python {sys.version.split()[0]}, load average {load}")


class Runner:
    def __init__(self, tree: Path, work: Path, repeat: int, timeout: float, jobs: int | None,
                 target: str = ".") -> None:
        self.tree, self.work, self.repeat, self.timeout, self.target = tree, work, repeat, timeout, target
        self.cache = work / "cache"
        config = work / "bench.toml"
        config.write_text(f'[tool.greenit-async-lint]\ncache-dir = "{self.cache}"\n')
        self.ours = [sys.executable, "-m", "greenit_async_lint", "check", "--config", str(config), "--allow-empty",
                     *(["--jobs", str(jobs)] if jobs else [])]
        self.results: dict[str, tuple[float, int]] = {}

    def run(self, name: str, cmd: list[str], before=None, repeat: int | None = None) -> tuple[float, int]:  # type: ignore[no-untyped-def]
        walls, peaks = [], []
        for i in range(repeat or self.repeat):
            wall, peak = self.once(name, cmd, before, i)
            walls.append(wall)
            peaks.append(peak)
        self.results[name] = (statistics.median(walls), max(peaks))
        return self.results[name]

    def once(self, name: str, cmd: list[str], before, i: int) -> tuple[float, int]:  # type: ignore[no-untyped-def]
        """(wall, peak) of one run of `cmd`, after `before(i)` if given."""
        if before is not None:
            before(i)
        wall, peak, status = measure(cmd, self.tree, self.timeout)
        # 0 and 1 are a check's answers (1: findings over the gate); anything else timed an error
        if status not in (0, 1):
            raise SystemExit(f"{name}: exit status {status} from {' '.join(cmd)} in {self.tree}")
        return wall, peak

    def check(self, fmt: str) -> list[str]:
        return [*self.ours, "--format", f"{fmt}={self.work / ('report.' + fmt)}", self.target]

    def cold(self, _i: int) -> None:
        shutil.rmtree(self.cache, ignore_errors=True)


def ruff() -> list[str] | None:
    exe = Path(sys.executable).with_name("ruff")
    if exe.exists():
        return [str(exe)]
    if shutil.which("ruff"):
        return [shutil.which("ruff")]  # type: ignore[list-item]
    try:  # the ruff wheel importable without its script (a venv borrowing another's site-packages)
        from ruff.__main__ import find_ruff_bin
        return [str(find_ruff_bin())]
    except (ImportError, FileNotFoundError):
        return None


def busiest_file(report: Path, tree: Path) -> Path | None:
    try:
        found = busiest(json.loads(report.read_text()))
    except (OSError, ValueError):
        return None
    return tree / found if found is not None else None


def app_tree(name: str) -> tuple[Path, str]:
    """The application's whole extracted tree and its `root` inside it: the check runs as the primer
    runs it (cwd = the tree, `check <root>`), so that module names keep their top package (indico's
    `indico.web...`) and the project root is the application's, as for its developers."""
    root = app_root(name)
    top = next(p for p in [root, *root.parents] if p.parent.name == "apps")
    return top, root.relative_to(top).as_posix()


def one_app(name: str, args: argparse.Namespace) -> None:
    """Every row once per round, round after round (A B C ... A B C ...), so that a drift of this
    shared machine's speed moves every row alike; each ratio is printed as the ratio of the rows'
    medians and as the median of the ratios within each round (paired)."""
    top, rel = app_tree(name)
    work = Path(tempfile.mkdtemp(prefix=f"gal-realapps-{name}-"))
    tree = work / "tree"
    # Hard links: a copy of a large tree in a blink; the one file the edit case changes is unlinked first.
    shutil.copytree(top, tree, symlinks=True, copy_function=os.link,
                    ignore=shutil.ignore_patterns("__pycache__", ".greenit-cache", ".ruff_cache", "node_modules"))
    files = sum(1 for _ in (tree / rel).rglob("*.py"))
    r = Runner(tree, work, args.repeat, args.timeout, args.jobs, rel)
    print(f"\n{name}: {files} files ({top}, check {rel})", flush=True)
    rows = [("ast.parse, one process", [sys.executable, "-c", PARSE_ALL, rel], None)]
    peer = ruff()
    if peer:
        rows.append(("ruff --select ASYNC, no cache", [*peer, "check", "--select", "ASYNC", "--no-cache",
                                                       "--exit-zero", "--quiet", rel], None))
        ruff_cached = [*peer, "check", "--select", "ASYNC", "--exit-zero", "--quiet", "--cache-dir",
                       str(work / "ruff-cache"), rel]
        measure(ruff_cached, tree, args.timeout)  # fill ruff's cache first: its warm run is what we compare
        rows.append(("ruff --select ASYNC, cached", ruff_cached, None))
    # The warm run follows the cold JSON run of its round, which filled the cache.
    rows += [("ours cold, text", r.check("text"), r.cold),
             ("ours cold, json with fixes", r.check("json"), r.cold),
             ("ours warm, json", r.check("json"), None)]
    edits = {"comment": lambda i: f"\n# benchmark edit {i}\n",
             "code": lambda i: f"\n\ndef _benchmark_edit_{i}():\n    return {i}\n"}
    edited: Path | None = None
    original = b""
    samples: dict[str, list[tuple[float, int]]] = {}
    for i in range(args.repeat):
        for label, cmd, before in rows:
            samples.setdefault(label, []).append(r.once(label, cmd, before, i))
        if i == 0:
            edited = busiest_file(work / "report.json", tree)
            original = edited.read_bytes() if edited is not None else b""
        for kind, text in edits.items() if edited is not None else ():
            def edit(i: int, text=text) -> None:  # type: ignore[no-untyped-def]
                edited.unlink()  # a hard link to the primer's tree: never write through it
                edited.write_bytes(original + text(i).encode())

            label = f"ours one file edited ({kind}), json"
            samples.setdefault(label, []).append(r.once(label, r.check("json"), edit, i))
        if edited is not None:
            edited.unlink()
            edited.write_bytes(original)
    for label, got in samples.items():
        r.results[label] = (statistics.median(w for w, _p in got), max(p for _w, p in got))
        where = f"  ({edited.relative_to(tree)})" if "edited" in label and edited is not None else ""
        print(f"  {label:32s} {r.results[label][0]:7.2f} s  {r.results[label][1] / 1024:6.0f} MiB{where}", flush=True)

    def ratio(over: str, under: str) -> str:
        paired = statistics.median(a[0] / b[0] for a, b in zip(samples[over], samples[under]))
        return f"{r.results[over][0] / r.results[under][0]:.2f}x (paired {paired:.2f}x)"

    res = r.results
    text, cold = res["ours cold, text"][0], res["ours cold, json with fixes"][0]
    print(f"  cold json / ast.parse {ratio('ours cold, json with fixes', 'ast.parse, one process')} (target <= 2x); "
          f"cold text / ast.parse {ratio('ours cold, text', 'ast.parse, one process')}; "
          f"fixes add {100 * (cold - text) / text:+.0f}% (target <= 20%)")
    if "ruff --select ASYNC, cached" in res:
        print(f"  warm / ruff cached {ratio('ours warm, json', 'ruff --select ASYNC, cached')} (target <= 1x); "
              f"cold json / ruff no cache {cold / res['ruff --select ASYNC, no cache'][0]:.1f}x")
    for kind in ("comment", "code"):
        label = f"ours one file edited ({kind}), json"
        if label in res:
            print(f"  one file edited ({kind}) / warm {ratio(label, 'ours warm, json')} (target <= 3x)")
    print(f"  peak memory, cold json: {res['ours cold, json with fixes'][1] / 1024:.0f} MiB", flush=True)
    shutil.rmtree(work, ignore_errors=True)


def scaled(name: str, args: argparse.Namespace) -> None:
    """The cold JSON check of 1..N copies of the application's whole tree side by side, checked as
    one project (`check copy0/<root> copy1/<root> ...`), against `ast.parse` of the same roots.
    Each copy keeps its top package, so its imports resolve to its own modules (project.py takes
    the module nearest the importer among those of the same name) and every copy's handlers are
    followed as far as the application's alone: the work grows with the copies, as it would with
    the code. (Copying the root alone renamed its top package and cut its own imports: mealie's
    check then did a third less work.)"""
    top, rel = app_tree(name)
    print(f"\n{name} scaled 1x..{args.scale}x (cold json with fixes; median of {args.repeat})", flush=True)
    first: tuple[float, float, int] | None = None
    for n in range(1, args.scale + 1):
        work = Path(tempfile.mkdtemp(prefix=f"gal-realapps-{name}-x{n}-"))
        tree = work / "tree"
        for i in range(n):
            shutil.copytree(top, tree / f"copy{i}", symlinks=True, copy_function=os.link,
                            ignore=shutil.ignore_patterns("__pycache__", ".greenit-cache", ".ruff_cache", "node_modules"))
        roots = [f"copy{i}/{rel}" for i in range(n)]
        r = Runner(tree, work, args.repeat, args.timeout, args.jobs)
        base, _ = r.run("ast", [sys.executable, "-c", PARSE_ALL, *roots])
        cold, peak = r.run("cold", [*r.ours, "--format", f"json={work / 'report.json'}", *roots], r.cold)
        first = first or (base, cold, peak)
        files = sum(1 for root in roots for _ in (tree / root).rglob("*.py"))
        print(f"  {n}x: {files:6d} files  ast.parse {base:6.2f} s ({base / first[0]:.2f}x)"
              f"  check {cold:6.2f} s ({cold / first[1]:.2f}x, {cold / base:.2f}x ast.parse)"
              f"  {peak / 1024:6.0f} MiB ({peak / first[2]:.2f}x)", flush=True)
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", default=DEFAULT_APPS, help=f"comma-separated primer applications ({DEFAULT_APPS})")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", type=int, default=0, help="copy each application 1..N times (growth)")
    parser.add_argument("--jobs", type=int, help="our parse workers (default: the tool's, one per core)")
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    for name in [a.strip() for a in args.apps.split(",") if a.strip()]:
        (scaled if args.scale else one_app)(name, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

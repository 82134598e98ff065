"""The real-application primer: how the checker does on code nobody on the team wrote.

    python eval/primer.py [--apps A,B] [--baseline GIT_REF] [--markdown FILE] [--sample N] [--reuse]
                          [--cache-paths]

Fetches what is missing from eval/apps.yaml into a cache folder outside the repository
(GREENIT_PRIMER_CACHE, default ~/.cache/greenit-primer), runs the checker on each
application in a child process (wall time and peak memory from os.wait4), scores the JSON
report against eval/labels, eval/judged and eval/routes, and prints the table. With
--baseline it installs the checker at that git ref in a scratch venv, runs both and lists
per application the findings and verdicts that appeared or disappeared. --sample N draws
N findings per application at random (seed 112) into eval/judged/<app>.yaml for judging,
keeping the judgments already written. --cache-paths also runs each application as a user's
second run would (warm, after a comment edit, after a code edit; eval/cachepaths.py) and lists
what those reports say differently from `--no-cache`'s on the same files.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cachepaths import check_cache_paths  # noqa: E402
from scoring import Score, diff, finding_key, is_work_finding, score  # noqa: E402

EVAL = Path(__file__).resolve().parent
REPO = EVAL.parent
CACHE = Path(os.environ.get("GREENIT_PRIMER_CACHE", Path.home() / ".cache" / "greenit-primer"))
MIRRORS = Path(os.environ.get("GREENIT_PRIMER_MIRRORS", "/work/.mirror"))
SEED = 112


def load_apps(names: list[str] | None) -> list[dict[str, Any]]:
    apps = yaml.safe_load((EVAL / "apps.yaml").read_text("utf-8"))["apps"]
    if names:
        unknown = set(names) - {a["name"] for a in apps}
        if unknown:
            raise SystemExit(f"primer: unknown application(s): {', '.join(sorted(unknown))}")
        apps = [a for a in apps if a["name"] in names]
    return apps


def fetch(app: dict[str, Any]) -> Path:
    """The application's extracted tree, downloading or extracting it when it is missing."""
    target = CACHE / "apps" / app["name"]
    if (target / ".primer-done").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    kind, _, spec = app["source"].partition(":")
    if kind == "pypi":
        sdists = CACHE / "sdists"
        sdists.mkdir(parents=True, exist_ok=True)
        name, _, version = spec.partition("==")
        def norm(text: str) -> str:
            return text.lower().replace("-", "_").replace(".", "_")

        def pinned(sdist: Path) -> bool:
            head, _, sdist_version = sdist.name[: -len(".tar.gz")].rpartition("-")
            return norm(head) == norm(name) and sdist_version == version

        found = [p for p in sdists.glob("*.tar.gz") if pinned(p)]
        if not found:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary",
                            ":all:", spec, "-d", str(sdists)], check=True)
            found = sorted(sdists.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)[-1:]
        with tarfile.open(found[0]) as tar:
            tar.extractall(target, filter="data")
        (top,) = [p for p in target.iterdir()]
        for item in top.iterdir():
            item.rename(target / item.name)
        top.rmdir()
    elif kind == "github":
        repo, _, commit = spec.partition("@")
        mirror = MIRRORS / repo.replace("/", "+") / "repo"
        if not mirror.exists():
            mirror = CACHE / "git" / repo.replace("/", "+")
            if not mirror.exists():
                subprocess.run(["git", "clone", "--bare", "--filter=blob:none",
                                f"https://github.com/{repo}.git", str(mirror)], check=True)
        _extract_commit(mirror, commit, target)
    else:
        raise SystemExit(f"primer: {app['name']}: unknown source kind {kind!r}")
    (target / ".primer-done").write_text(app["source"])
    return target


def _extract_commit(mirror: Path, commit: str, target: Path) -> None:
    """Write the commit's regular files; snapshots may lack large blobs, which are skipped."""
    listing = subprocess.run(["git", "-C", str(mirror), "ls-tree", "-r", "-z", commit], check=True,
                             capture_output=True).stdout.split(b"\0")
    entries = []
    for entry in filter(None, listing):
        meta, _, name = entry.partition(b"\t")
        mode, kind, oid = meta.split()
        if kind == b"blob" and mode in (b"100644", b"100755"):
            entries.append((oid, name.decode("utf-8", "surrogateescape")))
    batch = subprocess.run(["git", "-C", str(mirror), "cat-file", "--batch"], check=True, capture_output=True,
                           input=b"".join(oid + b"\n" for oid, _ in entries)).stdout
    pos = 0
    for _oid, name in entries:
        end = batch.index(b"\n", pos)
        header = batch[pos:end].split()
        pos = end + 1
        if header[-1] == b"missing":
            continue
        size = int(header[2])
        dest = target / name
        if ".." in Path(name).parts:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(batch[pos:pos + size])
        pos += size + 1


def run_checker(python: str, tree: Path, root: str, out: Path) -> tuple[dict[str, Any], float, float]:
    """Run `check ROOT --format json` in a child; (report, wall seconds, peak MiB)."""
    start = time.perf_counter()
    with open(out, "wb") as sink:
        proc = subprocess.Popen([python, "-m", "greenit_async_lint", "check", root, "--format", "json",
                                 "--no-cache"], cwd=tree, stdout=sink, stderr=subprocess.DEVNULL)
        _pid, _status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    text = out.read_text("utf-8")
    try:
        report = json.loads(text)
    except json.JSONDecodeError:
        raise SystemExit(f"primer: the checker wrote no JSON report for {tree} (see {out})") from None
    return report, wall, usage.ru_maxrss / 1024


def _yaml_list(path: Path, key: str) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return (yaml.safe_load(path.read_text("utf-8")) or {}).get(key) or []


def load_truth(name: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[tuple[str, str]]]:
    labels = _yaml_list(EVAL / "labels" / f"{name}.yaml", "handlers")
    judged = _yaml_list(EVAL / "judged" / f"{name}.yaml", "findings")
    routes: list[tuple[str, str]] = []
    routes_file = EVAL / "routes" / f"{name}.txt"
    if routes_file.exists():
        for line in routes_file.read_text("utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                path, qualname = line.split()[:2]
                routes.append((path, qualname))
    return labels, judged, routes


def sample(name: str, report: dict[str, Any], count: int) -> int:
    """Draw `count` findings at random into eval/judged/<name>.yaml, keeping existing judgments."""
    path = EVAL / "judged" / f"{name}.yaml"
    existing = _yaml_list(path, "findings")
    known = {(f["handler"]["path"], f["handler"]["qualname"], f["code"], f["call_path"], int(f["call_line"]))
             for f in existing}
    pool = sorted({finding_key(f): f for f in report.get("findings", []) if is_work_finding(f["code"])}.items())
    rng = random.Random(f"{SEED}:{name}")
    drawn = rng.sample(pool, min(count, len(pool)))
    for key, finding in drawn:
        if key in known:
            continue
        existing.append({"handler": {"path": key[0], "qualname": key[1]}, "code": key[2],
                         "call_path": key[3], "call_line": key[4], "message": finding.get("message", ""),
                         "judgment": None, "category": None, "reason": None})
    path.write_text(yaml.safe_dump({"findings": existing}, sort_keys=False, width=110), "utf-8")
    return len(drawn)


def install_ref(ref: str) -> str:
    """A scratch venv with the checker at `ref`; its python."""
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", ref], check=True, capture_output=True,
                            text=True).stdout.strip()
    home = CACHE / "baselines" / commit
    python = home / "venv" / "bin" / "python"
    if (home / ".installed").exists():  # not python alone: an install that failed half-way is redone
        return str(python)
    shutil.rmtree(home, ignore_errors=True)
    (home / "src").mkdir(parents=True)
    _extract_commit(REPO, commit, home / "src")
    subprocess.run([sys.executable, "-m", "venv", str(home / "venv")], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(home / "src")], check=True)
    (home / ".installed").write_text(commit)
    return str(python)


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def table(rows: list[tuple[str, Score, float, float]]) -> str:
    total = Score()
    for _n, s, _w, _m in rows:
        total.add(s)
    columns = list(Score().figures)
    head = "| app | labels | judged | " + " | ".join(columns) + " | wall | peak |"
    lines = [head, "|" + "---|" * (len(columns) + 5)]
    for name, s, wall, peak in rows + [("**total**", total, sum(r[2] for r in rows), max(
            (r[3] for r in rows), default=0.0))]:
        judged = s.judged_true + s.judged_false + s.judged_debatable
        lines.append(f"| {name} | {s.labelled} | {judged} | "
                     + " | ".join(_fmt(v) for v in s.figures.values()) + f" | {wall:.1f} s | {peak:.0f} MiB |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", help="comma-separated application names (default: all)")
    parser.add_argument("--baseline", metavar="GIT_REF", help="also run the checker at this ref and diff")
    parser.add_argument("--markdown", metavar="FILE", help="write the table (and the diff) as Markdown")
    parser.add_argument("--sample", type=int, metavar="N", help="draw N findings per app into eval/judged")
    parser.add_argument("--reuse", action="store_true",
                        help="score the last run's reports again (labels changed, the checker did not)")
    parser.add_argument("--show-missing", action="store_true", help="list labelled handlers not found")
    parser.add_argument("--show-wrong", action="store_true",
                        help="list labelled verdicts the report gets wrong and judged-FALSE findings still reported")
    parser.add_argument("--cache-paths", action="store_true",
                        help="also compare warm and edited runs through the caches with --no-cache's reports")
    args = parser.parse_args(argv)

    apps = load_apps(args.apps.split(",") if args.apps else None)
    # Several people (or helpers) may run the primer at once: each can keep its own runs folder.
    runs = Path(os.environ.get("GREENIT_PRIMER_RUNS", CACHE / "runs"))
    runs.mkdir(parents=True, exist_ok=True)
    base_python = install_ref(args.baseline) if args.baseline else None
    rows: list[tuple[str, Score, float, float]] = []
    diffs: list[str] = []
    cache_problems: dict[str, list[str]] = {}
    for app in apps:
        tree = fetch(app)
        out, meta = runs / f"{app['name']}.json", runs / f"{app['name']}.meta.json"
        if args.reuse and out.exists() and meta.exists():
            report = json.loads(out.read_text("utf-8"))
            wall, peak = json.loads(meta.read_text("utf-8"))
        else:
            report, wall, peak = run_checker(sys.executable, tree, app["root"], out)
            meta.write_text(json.dumps([wall, peak]), "utf-8")
        labels, judged, routes = load_truth(app["name"])
        result = score(report, labels, judged, routes)
        rows.append((app["name"], result, wall, peak))
        if args.show_missing and result.missing:
            print(f"{app['name']}: labelled handlers not found:\n  " + "\n  ".join(result.missing))
        if args.show_wrong and (result.wrong or result.false_findings):
            print(f"{app['name']}: wrong verdicts and false findings:\n  "
                  + "\n  ".join(result.wrong + [f"FALSE {f}" for f in result.false_findings]))
        if args.sample:
            print(f"{app['name']}: drew {sample(app['name'], report, args.sample)} findings to judge")
        if base_python:
            before, _w, _m = run_checker(base_python, tree, app["root"], runs / f"{app['name']}.base.json")
            change = diff(before, report)
            lines = [f"- {kind}: {item}" for kind in ("added", "removed", "verdicts") for item in change[kind]]
            diffs.append(f"### {app['name']}\n" + ("\n".join(lines) if lines else "no change"))
        if args.cache_paths:
            cache_problems[app["name"]] = check_cache_paths(sys.executable, tree, app["root"])
    text = table(rows)
    if args.cache_paths:
        same = [name for name, problems in cache_problems.items() if not problems]
        text += (f"\n\nCache paths (cold, warm, a comment and a function appended, against --no-cache): "
                 f"the same reports on {len(same)} of {len(cache_problems)} applications")
        for name, problems in cache_problems.items():
            text += "".join(f"\n- {name}: {problem}" for problem in problems)
    print(text)
    if diffs:
        print("\n" + "\n\n".join(diffs))
    if args.markdown:
        Path(args.markdown).write_text(text + ("\n\n" + "\n\n".join(diffs) if diffs else "") + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The primer's cache paths: what a user's second run reports must be what a fresh run reports.

The primer itself checks with `--no-cache`, so it never reads a cached summary, result or fix
back. Here, on a hard-linked copy of an application's tree with a cache folder of its own, the
checker runs as a user's editor or CI would, and each report is compared, whole (findings, their
messages, chains and fix diffs, handlers, inventory), with `--no-cache`'s on the same files:

- cold (an empty cache), then warm (nothing changed: the result cache answers);
- a comment appended to the module with the most findings (the early cutoff keeps the result and
  rebases the fix diffs of that file);
- a function appended to it (the whole analysis runs again on summaries read from the cache).

The file is unlinked before it is written (the copy shares the primer's files) and put back after.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

VOLATILE = ("generated_at",)  # the only part of a report that two runs on the same files may differ in
EDITS = {"comment": "\n# greenit primer: a comment appended\n",
         "code": "\n\ndef _greenit_primer_appended():\n    return 112\n"}


def _link_or_copy(source: str, target: str) -> None:
    """A hard link (a large tree in a blink), or a copy across file systems."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _report(python: str, tree: Path, root: str, out: Path, *options: str) -> dict[str, Any]:
    with open(out, "wb") as sink:
        subprocess.run([python, "-m", "greenit_async_lint", "check", root, "--format", "json", *options],
                       cwd=tree, stdout=sink, stderr=subprocess.DEVNULL, timeout=900, check=False)
    try:
        report = json.loads(out.read_text("utf-8"))
    except json.JSONDecodeError:
        raise SystemExit(f"primer: the checker wrote no JSON report for {tree} (see {out})") from None
    for key in VOLATILE:
        report.pop(key, None)
    report.get("config", {}).pop("source", None)  # the settings file the cached runs name: only theirs
    return report


def busiest(report: dict[str, Any]) -> str | None:
    """The module with the most findings of a JSON report (by their handler's path): the one a
    user edits next, here and in bench/realapps.py's one-file-edited rows."""
    counts: dict[str, int] = {}
    for finding in report.get("findings", []):
        path = (finding.get("handler") or {}).get("path") or finding.get("path")
        if path:
            counts[path] = counts.get(path, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None


def _differences(cached: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    """The top-level parts of two reports that differ, with the first differing finding."""
    parts = [key for key in sorted(set(cached) | set(fresh)) if cached.get(key) != fresh.get(key)]
    out = []
    for key in parts:
        note = ""
        if key == "findings":
            pairs = zip(cached.get(key, []), fresh.get(key, []))
            first = next(((a, b) for a, b in pairs if a != b), None)
            count = f"{len(cached.get(key, []))} against {len(fresh.get(key, []))}"
            note = f" ({count}; first: {json.dumps(first)[:300]})" if first else f" ({count})"
        out.append(f"{key}{note}")
    return out


def check_cache_paths(python: str, top: Path, root: str) -> list[str]:
    """What each cache path reported differently from `--no-cache` on the same files ([]: nothing)."""
    work = Path(tempfile.mkdtemp(prefix="greenit-primer-cache-"))
    try:
        tree = work / "tree"
        shutil.copytree(top, tree, symlinks=True, copy_function=_link_or_copy,
                        ignore=shutil.ignore_patterns("__pycache__", ".greenit-cache", ".ruff_cache"))
        config = work / "cache.toml"
        config.write_text(f'[tool.greenit-async-lint]\ncache-dir = "{work / "cache"}"\n', "utf-8")
        cached = ("--config", str(config))
        fresh = _report(python, tree, root, work / "fresh.json", "--no-cache")
        problems = [f"cold: {d}" for d in _differences(_report(python, tree, root, work / "cold.json", *cached), fresh)]
        problems += [f"warm: {d}" for d in _differences(_report(python, tree, root, work / "warm.json", *cached), fresh)]
        edit = busiest(fresh)
        if edit is None:
            return problems
        edited = tree / edit
        original = edited.read_bytes()
        for kind, text in EDITS.items():
            edited.unlink()  # a hard link to the primer's tree: never write through it
            edited.write_bytes(original + text.encode())
            got = _report(python, tree, root, work / f"{kind}.json", *cached)
            want = _report(python, tree, root, work / f"{kind}-fresh.json", "--no-cache")
            problems += [f"{kind} appended to {edit}: {d}" for d in _differences(got, want)]
        return problems
    finally:
        shutil.rmtree(work, ignore_errors=True)

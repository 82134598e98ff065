"""The diffs of a check's findings, planned in two processes when there are enough of them.

Planning is libcst work on the files each finding's chain goes through (most of a cold JSON
check's fix suggestions on a large application). Each finding's diff is its own, made by one
planner that parses each file once for all the findings it plans. So the findings are shared
out (analysis/fanout.py) between this process and a forked child, each with its own planner, by
groups whose files to parse are not the same (`split`): each process starts with a share of
its own, its heaviest groups first, and when it is done takes the groups the other has not
started yet. The shares are weighed by the size of the files (their parse is most of the work),
which cannot see everything a codemod will read or resolve (jupyter-server: one finding, 1 of
13, was two thirds of the work): the taking evens out some of what the weighing misses. A
finding taken alone would have its file parsed twice (lnbits: a 40 KB module, 120 ms, in both
processes), a group never is. Both planners see every finding's lines
(`FindingPlanner(findings=)`), so each file is sliced as in one process.

The child only computes: it writes nothing, and hands back the outcomes through a pipe (a pickle
from our own fork, never from the checked project). Whatever it did not send, this process plans
itself, and raises there whatever the child would have raised.
"""
from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from ..analysis.fanout import can_fork, fan_out
from .cache import content_digest
from .codemods import READS
from .rules import Remedy

if TYPE_CHECKING:  # not at run time: the fixer's answers (Planned) are read where libcst is not imported
    from ..analysis.engine import Report
    from ..analysis.findings import Finding
    from .apply import FindingPlanner
    from .queues import Stack
    from .rules import RemedyCatalogue

MIN_FINDINGS = 6  # below this, a fork costs more than the planning it shares


@dataclass
class Planned:
    """What a finding's fix keeps of its plan (see apply.Outcome)."""

    diff: str
    extra: str  # notes and the reasons codemods were not made, for the description
    files: list[Path]


def plan(planner: FindingPlanner, pending: "list[tuple[Finding, Remedy]]") -> list[Planned]:
    out = []
    for finding, remedy in pending:
        outcome = planner.diff_for(finding, remedy)
        extra = " ".join(t for t in (*outcome.notes, outcome.refusal_text()) if t)
        out.append(Planned(outcome.diff, extra, sorted(outcome.files)))
    return out


def digests(planner: FindingPlanner) -> dict[Path, str]:
    """The content digest of every file the planner read (see cache.FixCache.know)."""
    return {path: content_digest(data) for path, data in planner.sources.contents.items()}


def plan_findings(report: "Report", cwd: Path, stack: "Stack", remedies: "RemedyCatalogue",
                  pending: "list[tuple[Finding, Remedy]]", jobs: int) -> tuple[list[Planned], dict[Path, str]]:
    """plan_all for `pending`, with planners made from `report` (attach_fixes, and the fixer)."""
    from .apply import FindingPlanner

    findings = [f for f, _ in pending]
    return plan_all(lambda: FindingPlanner(report, cwd, stack, remedies, findings), pending, jobs, cwd)


def plan_all(make: Callable[[], FindingPlanner], pending: "list[tuple[Finding, Remedy]]", jobs: int,
             cwd: Path) -> tuple[list[Planned], dict[Path, str]]:
    """Each pending finding's plan, in order, and the digests of the files they were made from
    (finding paths are relative to `cwd`)."""
    # Planning builds libcst trees of hundreds of thousands of nodes that live until it ends; the
    # cyclic collector would scan them again and again for nothing (as in the engine, which runs
    # without it). Off here, and in the child, which inherits it; what cycles the metadata makes
    # are collected once it is back on.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _plan_all(make, pending, jobs, cwd)
    finally:
        if enabled:
            gc.enable()


def _plan_all(make: Callable[[], FindingPlanner], pending: "list[tuple[Finding, Remedy]]", jobs: int,
              cwd: Path) -> tuple[list[Planned], dict[Path, str]]:
    shares = split(pending, lambda name: _size(cwd / name)) \
        if jobs > 1 and len(pending) >= MIN_FINDINGS and can_fork() else None
    if shares is None:
        planner = make()
        return plan(planner, pending), digests(planner)
    groups = shares[0] + shares[1]
    made: list[FindingPlanner] = []  # this process's planner (a forked child makes its own)
    known: dict[Path, str] = {}

    def one(g: int) -> list[tuple[Planned, dict[Path, str]]]:
        if not made:
            made.append(make())
        planner = made[0]
        out = []
        for planned in plan(planner, [pending[i] for i in groups[g]]):
            contents = planner.sources.contents
            for path in contents.keys() - known.keys():
                known[path] = content_digest(contents[path])
            out.append((planned, {path: known[path] for path in planned.files if path in known}))
        return out

    results, _mine = fan_out(len(groups), one, 1, 1, stretches=True, starts=[0, len(shares[0])])
    planned: list[Optional[Planned]] = [None] * len(pending)
    read: dict[Path, str] = {}
    for group, found in zip(groups, results):
        for i, (result, files) in zip(group, found):
            planned[i] = result
            read.update(files)
    return [p for p in planned if p is not None], read


def split(pending: "list[tuple[Finding, Remedy]]", size: Callable[[str], int]) \
        -> Optional[tuple[list[list[int]], list[list[int]]]]:
    """Two shares of the findings: groups of them (indexes, in order) whose files to parse are
    not the same, each share's heaviest first, the shares as even as it gets by the size of those
    files (what parsing costs, more than the number of findings); None when they cannot be split
    that way."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    files = [_files(finding, remedy) for finding, remedy in pending]
    for names in files:
        for name in names[1:]:
            parent[root(name)] = root(names[0])
    groups: dict[str, list[int]] = {}
    for i, names in enumerate(files):
        groups.setdefault(root(names[0]), []).append(i)
    if len(groups) < 2:
        return None
    # Weighed by every file on the chains: the calls between the first and the last are read when
    # the first are awaited, and a codemod's names may be resolved there (jupyter-server's
    # shutdown handler, through a 120 KB module: two thirds of the planning, which its own files'
    # size put last of its share).
    weights = {key: sum(size(name) for name in {n for i in group for n in _chain_files(pending[i][0])}) + len(group)
               for key, group in groups.items()}
    shares: tuple[list[list[int]], list[list[int]]] = ([], [])
    loads = [0, 0]
    for key in sorted(groups, key=lambda k: (-weights[k], groups[k][0])):
        lighter = 0 if loads[0] <= loads[1] else 1
        shares[lighter].append(groups[key])
        loads[lighter] += weights[key]
    return shares


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _chain_files(finding: "Finding") -> list[str]:
    handler = finding.handler
    return [*([handler.path] if handler is not None else []), *(hop.path for hop in finding.chain)] or [finding.path]


def _files(finding: "Finding", remedy: Optional[Remedy]) -> list[str]:
    """The files planning the finding parses, as far as its codemods say (codemods.READS)."""
    handler = finding.handler
    names = [handler.path] if handler is not None else []
    chain = finding.chain
    if chain:
        names.append(chain[0].path)
        if remedy is not None and any(READS.get(name) == "leaf" for name in remedy.codemods):
            names.append(chain[-1].path)
    return list(dict.fromkeys(names)) or [finding.path]

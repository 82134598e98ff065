"""The diffs of a check's findings, planned in two processes when there are enough of them.

Planning is libcst work on the files each finding's chain goes through (most of a cold JSON
check's fix suggestions on a large application). Each finding's diff is its own: a forked child
plans one share of them while this process plans the other, each with its own parsed files
(`split`: findings whose chains share a file go together unless that leaves the shares uneven).
Both planners see every finding's lines (`FindingPlanner(findings=)`) and plan their share in
the report's order, so each file is sliced and planned as in one process.

The child only computes: it writes nothing, and hands back the outcomes through a pipe (a pickle
from our own fork, never from the checked project). If it fails in any way, this process plans
its share itself, and raises there whatever the child would have raised.
"""
from __future__ import annotations

import gc
import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from ..analysis.forks import Child, can_fork
from .cache import content_digest
from .rules import Remedy

if TYPE_CHECKING:  # not at run time: the fixer's answers (Planned) are read where libcst is not imported
    from ..analysis.engine import Report
    from ..analysis.findings import Finding
    from .apply import FindingPlanner
    from .queues import Stack
    from .rules import RemedyCatalogue

MIN_FINDINGS = 6  # below this, a fork costs more than the planning it shares
# A finding's own planning (its codemods, the regenerated code, the diff and its compile check),
# in bytes of a file's parsing that cost as much: about 3 ms, against 19 ms for a 26 KB module.
FINDING_BYTES = 4000
FORK_BYTES = 8000  # the child's fork and its answer: about 5 ms, which two shares must save


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
    mine, theirs = shares
    child = _Child(lambda: _result(make, [pending[i] for i in theirs]))
    planner = make()
    planned: list[Optional[Planned]] = [None] * len(pending)
    for i, result in zip(mine, plan(planner, [pending[i] for i in mine])):
        planned[i] = result
    read = digests(planner)
    answer = child.result()
    if answer is None:  # the child failed: its share is planned here (and fails here, if it must)
        answer = _result(make, [pending[i] for i in theirs])
    for i, result in zip(theirs, answer[0]):
        planned[i] = result
    read.update(answer[1])
    return [p for p in planned if p is not None], read


def _result(make: Callable[[], FindingPlanner], share: "list[tuple[Finding, Remedy]]") \
        -> tuple[list[Planned], dict[Path, str]]:
    planner = make()
    return plan(planner, share), digests(planner)


def split(pending: "list[tuple[Finding, Remedy]]", size: Callable[[str], int]) \
        -> Optional[tuple[list[int], list[int]]]:
    """Two shares of the findings (indexes, in order), as even as it gets by the size of the files
    each process must then parse (what planning costs, more than the number of findings) and
    their number; None when one process would do about as well.

    Findings whose chains share a file are first kept together (groups: the file is parsed once).
    Then single findings move to the lighter share while that evens the load, even if a file they
    share is then parsed in both processes: mealie's findings are all connected through a few
    services, and left whole, one process planned 126 ms while the other finished in 47. Each
    finding's diff is its own (apply.FindingPlanner.diff_for), so any split gives the same fixes."""
    files = [_files(finding) for finding, _ in pending]
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for names in files:
        for name in names[1:]:
            parent[root(name)] = root(names[0])
    groups: dict[str, list[int]] = {}
    for i, names in enumerate(files):
        groups.setdefault(root(names[0]), []).append(i)
    sizes = {name: size(name) + 1 for names in files for name in names}  # (+1: an empty file costs a little)
    weights = {key: sum(sizes[name] for name in {n for i in group for n in files[i]}) + FINDING_BYTES * len(group)
               for key, group in groups.items()}
    shares = _Shares(files, sizes)
    for key in sorted(groups, key=lambda k: (-weights[k], groups[k][0])):
        lighter = 0 if shares.loads[0] <= shares.loads[1] else 1
        for i in groups[key]:
            shares.put(i, lighter)
    shares.even()
    alone = sum(sizes.values()) + FINDING_BYTES * len(pending)
    if not all(shares.members) or max(shares.loads) > alone - FORK_BYTES:
        return None  # one process plans about as fast
    return sorted(shares.members[0]), sorted(shares.members[1])


class _Shares:
    """Two shares of findings, each with the files it parses (counted once) and its load."""

    MOVES = 64  # at most this many findings change share (each move tries every finding of the heavier)

    def __init__(self, files: list[list[str]], sizes: dict[str, int]) -> None:
        self.files = [set(names) for names in files]
        self.sizes = sizes
        self.members: tuple[set[int], set[int]] = (set(), set())
        self.counts: tuple[dict[str, int], dict[str, int]] = ({}, {})  # how many of the share's findings read each file
        self.loads = [0, 0]

    def put(self, i: int, share: int) -> None:
        self.members[share].add(i)
        self.loads[share] += self._added(i, share)
        counts = self.counts[share]
        for name in self.files[i]:
            counts[name] = counts.get(name, 0) + 1

    def take(self, i: int, share: int) -> None:
        self.members[share].discard(i)
        counts = self.counts[share]
        for name in self.files[i]:
            counts[name] -= 1
        self.loads[share] -= self._added(i, share)

    def even(self) -> None:
        """Move findings from the heavier share to the lighter one, the best move first, while the
        heavier load goes down."""
        for _ in range(self.MOVES):
            heavy = 0 if self.loads[0] > self.loads[1] else 1
            light = 1 - heavy
            best, best_load = None, self.loads[heavy]
            for i in sorted(self.members[heavy]):
                freed = self._freed(i, heavy)
                load = max(self.loads[heavy] - freed, self.loads[light] + self._added(i, light))
                if load < best_load:
                    best, best_load = i, load
            if best is None:
                return
            self.take(best, heavy)
            self.put(best, light)

    def _added(self, i: int, share: int) -> int:
        """What finding `i` adds to `share`: the files no finding of it reads yet, and its own work."""
        counts = self.counts[share]
        return FINDING_BYTES + sum(self.sizes[name] for name in self.files[i] if not counts.get(name))

    def _freed(self, i: int, share: int) -> int:
        """What taking finding `i` (one of `share`'s) out of `share` saves it."""
        counts = self.counts[share]
        return FINDING_BYTES + sum(self.sizes[name] for name in self.files[i] if counts.get(name) == 1)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _files(finding: "Finding") -> list[str]:
    handler = finding.handler
    names = [handler.path] if handler is not None else []
    names.extend(hop.path for hop in finding.chain)
    return names or [finding.path]


class _Child:
    """`work()` in a forked process, its pickled answer read back through a pipe."""

    def __init__(self, work: Callable[[], object]) -> None:
        read, write = os.pipe()

        def answer() -> None:  # pragma: no cover - in the child (coverage does not follow it)
            data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as pipe:
                pipe.write(data)

        self.pid: Optional[int] = Child(answer, [read]).pid
        os.close(write)
        if self.pid is None:  # no fork allowed now (a process limit, no memory): `result` answers None
            os.close(read)
            return
        self.read = read

    def result(self):  # type: ignore[no-untyped-def]
        """The child's answer, or None when it failed (or was never forked)."""
        if self.pid is None:
            return None
        with os.fdopen(self.read, "rb") as pipe:
            data = pipe.read()
        _pid, status = os.waitpid(self.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            return None
        try:
            return pickle.loads(data)
        except Exception:  # noqa: BLE001 - a truncated answer is a failed child
            return None

"""Plan the codemods of a report's findings, render them in one pass per file, check, write.

Codemods that rewrite a whole handler (move-to-queue) are planned first; the others then leave
those handlers alone. Every rendered file must compile before anything is written, so a run
writes all of its fixes or none.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from .codemods import get as get_codemod
from .codemod_base import Target
from .queues import Stack
from .remedies import describe, placeholders, project_stack, queue_for, report_cwd, select
from .rules import Remedy, RemedyCatalogue, load_remedies
from .changes import Changes
from .slices import SliceLost
from .source import SourceFile
from .sources import Sources

if TYPE_CHECKING:
    from ..analysis.engine import Report
    from ..analysis.findings import Finding


INTERNAL_ERROR = "internal error in the fixer"


class FixError(Exception):
    """A codemod produced code that does not compile: nothing is written."""


@dataclass
class Outcome:
    finding: "Finding"
    remedy: Remedy
    applied: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # unsafe codemods left out (no --unsafe-fixes)
    diff: str = ""
    pattern: str = ""
    notes: list[str] = field(default_factory=list)
    files: set[Path] = field(default_factory=set)  # every file the codemods read for it

    def reset(self) -> None:
        """Forget a plan made on a slice that could not be restored (it is made again)."""
        self.applied.clear()
        self.refused.clear()
        self.held.clear()
        self.notes.clear()

    def primary_refusals(self) -> list[tuple[str, str]]:
        """Why the codemods listed before the first one that applied were not made (the ones
        after it were extras: a timeout on a call that has one is no news)."""
        if not self.applied:
            return list(self.refused)
        order = list(self.remedy.codemods)
        first = min(order.index(n) for n in self.applied)
        return [(n, r) for n, r in self.refused if order.index(n) < first]

    def refusal_text(self) -> str:
        reasons = "; ".join(reason for _, reason in self.primary_refusals())
        return f"Not fixed automatically: {reasons}." if reasons else ""


def focus_lines(findings: "list[Finding]", cwd: Path) -> dict[Path, set[int]]:
    """The lines the fixes of `findings` may touch, by file: each handler and each hop of its
    chain (the functions holding them are what the codemods parse; see slices.py)."""
    focus: dict[Path, set[int]] = {}
    for finding in findings:
        handler = finding.handler
        if handler is not None:
            focus.setdefault(cwd / handler.path, set()).add(handler.line)
        for hop in finding.chain:
            focus.setdefault(cwd / hop.path, set()).add(hop.line)
    return focus


class FindingPlanner:
    """Plans codemods for findings of one report, sharing parsed files between them: each file is
    read and parsed once (the part the findings touch), its metadata resolved once."""

    def __init__(self, report: "Report", cwd: Path, stack: Stack, remedies: RemedyCatalogue,
                 findings: "Optional[list[Finding]]" = None) -> None:
        self.report = report
        self.sources = Sources(cwd, focus_lines(report.findings if findings is None else findings, cwd))
        self.stack = stack
        self.remedies = remedies
        self.heavy_sites = frozenset((h.path, h.line, h.col) for f in report.findings if f.weight == "heavy"
                                     for h in f.chain)

    def target(self, finding: "Finding") -> Target:
        return Target(finding, self.sources, self.remedies, self.stack, self.report.config,
                      heavy_sites=self.heavy_sites)

    def plan(self, outcome: Outcome, changes: Changes, allow_unsafe: bool, handler_phase: Optional[bool]) -> None:
        for name in outcome.remedy.codemods:
            codemod = get_codemod(name)
            if handler_phase is not None and codemod.rewrites_handler != handler_phase:
                continue
            if codemod.safety == "unsafe" and not allow_unsafe:
                outcome.held.append(name)
                continue
            target = self.target(outcome.finding)
            try:
                reason = codemod.plan(target, changes)
            except Exception as exc:  # noqa: BLE001 - one odd file must not stop the report or the run
                reason = f"{INTERNAL_ERROR} ({type(exc).__name__}: {exc}); please report it"
            if reason is None:
                outcome.applied.append(name)
                outcome.notes.extend(target.notes)
            else:
                outcome.refused.append((name, reason))

    def diff_for(self, finding: "Finding", remedy: Remedy) -> Outcome:
        """The finding's own fix, alone, as a diff (unsafe codemods included: the safety says so)."""
        while True:
            outcome = Outcome(finding, remedy)
            self.sources.touched = set()
            changes = Changes(self.sources)
            for phase in (True, False):
                self.plan(outcome, changes, True, phase)
            try:
                rendered = checked(changes)
            except SliceLost as exc:
                self.sources.parse_whole(exc.path)  # type: ignore[arg-type]
                continue
            except FixError as exc:
                outcome.refused.append(("render", str(exc)))
                outcome.applied.clear()
                outcome.files = set(self.sources.touched)
                return outcome
            outcome.diff = changes.diff(rendered)
            outcome.files = set(self.sources.touched)
            return outcome


@dataclass
class FixRun:
    outcomes: list[Outcome]
    changes: Changes
    rendered: dict[Path, tuple[SourceFile, str]]

    @property
    def diff(self) -> str:
        return self.changes.diff(self.rendered)

    def fixed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.applied]


def plan_report(report: "Report", unsafe: bool = False, cwd: Optional[Path] = None) -> FixRun:
    remedies = load_remedies(report.catalogue)  # the run's: the user's queues and frameworks included
    base = report_cwd(report, cwd)
    planner = FindingPlanner(report, base, project_stack(report, base, remedies), remedies)
    outcomes = []
    for finding in report.findings:
        queue = queue_for(finding, planner.stack, base)
        remedy = select(finding, report, queue, remedies)
        pattern = describe(remedy, placeholders(finding, report, queue, remedies))["pattern"]
        outcomes.append(Outcome(finding, remedy, pattern=pattern))
    while True:
        for outcome in outcomes:
            outcome.reset()
        changes = Changes(planner.sources)
        for phase in (True, False):
            for outcome in outcomes:
                planner.plan(outcome, changes, unsafe, phase)
        try:
            return FixRun(outcomes, changes, checked(changes))
        except SliceLost as exc:  # parse that file whole and plan again (see slices.py)
            planner.sources.parse_whole(exc.path)  # type: ignore[arg-type]


def checked(changes: Changes) -> dict[Path, tuple[SourceFile, str]]:
    rendered = changes.rendered()
    for path, (source, text) in rendered.items():
        fresh = changes.fresh.get(path)
        if fresh is not None and _compiles(fresh, source.display):
            # What the fixes regenerated compiles, so they broke nothing: the compiler's errors are
            # local to a top-level statement, and the added imports go after the module's first
            # imports, where no `from __future__` import can follow them. The statements they left
            # alone compile as they did (a file that never compiled is no error of the fixes'). This
            # spares compiling the whole file for each finding, and the file itself once (jupyter-
            # server's 120 KB serverapp.py: an eighth of its planning).
            continue
        try:
            compile(text, source.display, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            raise FixError(f"the fixes for {source.display} produce code that does not compile ({exc}); "
                           f"nothing was written. Please report this.") from exc
    return rendered


def _compiles(text: str, name: str) -> bool:
    try:
        compile(text, name, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def real_paths(rendered: dict[Path, tuple[SourceFile, str]]) -> dict[Path, Path]:
    """Where each fixed file is written: a symlinked module through to the file it points to (not
    replaced by a regular file, which would leave the real one unfixed). Two paths to one file,
    or a link to nothing, are refused before anything is written."""
    out: dict[Path, Path] = {}
    for path in sorted(rendered):
        real = Path(os.path.realpath(path)) if path.is_symlink() else path
        if path.is_symlink() and not real.exists():
            raise FixError(f"{rendered[path][0].display} is a symlink to {real}, which does not exist; "
                           f"nothing was written")
        if real in out.values():
            other = next(p for p, r in out.items() if r == real)
            raise FixError(f"{rendered[path][0].display} and {rendered[other][0].display} are the same file "
                           f"(a symlink): fix one of them; nothing was written")
        out[path] = real
    return out


def write(rendered: dict[Path, tuple[SourceFile, str]]) -> list[Path]:
    written = []
    targets = real_paths(rendered)
    for link, (source, text) in sorted(rendered.items()):
        path = targets[link]
        encoding = source.module.encoding if source.module is not None else "utf-8"
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(text.encode(encoding))
            os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        written.append(link)
    return written

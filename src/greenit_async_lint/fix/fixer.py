"""Fix planning in a process forked when the analysis starts, which imports libcst meanwhile.

Planning a diff needs libcst and the codemods: about 0.2 s of imports. In a check answered mostly
from the summary cache (one file edited), the findings of the edited file need their diffs again
(the fix cache keys them by the file's content), and that import was as long as the whole
analysis. So check.py forks a `Fixer` when the result cache misses (engine.ON_ANALYSIS), before
the summaries are loaded: it imports libcst on the other core while this process analyses, then
waits. attach_fixes hands it the findings the fix cache did not answer and reads back their plans
(parallel.plan_all there: a large share still goes to a child of its own). In a cold check it
takes the imports off the parent too (preload.py then only finds the queues).

Messages are length-prefixed pickles through pipes between this process and its own fork (never
from disk): the summary workers and writers forked later inherit the pipes' ends, so no side may
wait for an end of file. Anything wrong (no fork, a failed or killed fixer, a short answer) and
attach_fixes plans in this process, as before; `close` kills a fixer left without work.
"""
from __future__ import annotations

import importlib
import os
import pickle
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Optional, cast

from ..analysis.forks import Child, can_fork, receive, send
from ..catalogue.sources import built

if TYPE_CHECKING:
    from ..analysis.engine import Report
    from ..analysis.findings import Finding
    from ..catalogue import Catalogue
    from ..catalogue.sources import OnDemand
    from .parallel import Planned
    from .queues import Stack
    from .rules import Remedy

Answer = tuple["list[Planned]", dict[Path, str]]


class _Job(NamedTuple):
    pending: "list[tuple[Finding, Remedy]]"
    findings: "list[Finding]"  # the report's, all of them (what FindingPlanner reads of the report)
    cwd: Path
    stack: "Stack"
    jobs: int


class _Report(NamedTuple):
    """What FindingPlanner reads of a report: its findings and its settings."""

    findings: "list[Finding]"
    config: Any


class Fixer:
    """One run's fixer process (see the module docstring)."""

    def __init__(self, config: Any, catalogue: "Catalogue | OnDemand") -> None:
        self.config = config  # the front end's settings: the report's `config`
        self.catalogue = catalogue  # the run's: the fixer finds the same remedies
        self.pid: Optional[int] = None
        self._work = self._answer = -1

    @property
    def started(self) -> bool:
        return self.pid is not None

    def start(self) -> None:
        """Fork the fixer, once; nothing where fork is missing."""
        if self.pid is not None or not can_fork():
            return
        work_read, work_write = os.pipe()
        answer_read, answer_write = os.pipe()
        pid = Child(lambda: self._serve(work_read, answer_write), [work_write, answer_read]).pid
        os.close(work_read)
        os.close(answer_write)
        if pid is None:  # no fork allowed now (a process limit, no memory): the check plans in process
            os.close(work_write)
            os.close(answer_read)
            return
        self.pid, self._work, self._answer = pid, work_write, answer_read

    def plan(self, pending: "list[tuple[Finding, Remedy]]", report: "Report", cwd: Path, stack: "Stack",
             jobs: int) -> Optional[Answer]:
        """The plans of `pending` and the digests of the files they read (parallel.plan_all's
        answer), made by the fixer; None when there is none or it failed (plan in process)."""
        if self.pid is None:
            return None
        try:
            send(self._work, pickle.dumps(_Job(pending, list(report.findings), cwd, stack, jobs),
                                          protocol=pickle.HIGHEST_PROTOCOL))
            data = receive(self._answer)
        except Exception:  # noqa: BLE001 - a finding that does not pickle, a fixer gone: plan in process
            data = None
        status = self._reap(kill=data is None)
        if data is None or status != 0:
            return None
        try:
            return cast(Answer, pickle.loads(data))  # from our own fork, through its pipe
        except Exception:  # noqa: BLE001 - a garbled answer is a failed fixer
            return None

    def close(self) -> None:
        """Kill a fixer that was given no work (it may still be importing)."""
        if self.pid is not None:
            self._reap(kill=True)

    def _reap(self, kill: bool) -> int:
        pid, self.pid = self.pid, None
        for fd in (self._work, self._answer):
            try:
                os.close(fd)
            except OSError:
                pass
        if pid is None:
            return 1
        if kill:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        _pid, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)

    def _serve(self, work: int, answer: int) -> None:  # pragma: no cover - runs in the fixer
        from .preload import MODULES
        from .rules import load_remedies
        for name in MODULES:
            importlib.import_module(name)
        from ..analysis import codecache
        codecache.save()  # libcst's node classes, made here only
        remedies = load_remedies(built(self.catalogue))  # while the check summarises, as the imports
        data = receive(work)
        if not data:
            return
        job = cast(_Job, pickle.loads(data))  # from the process that forked this one
        from .parallel import plan_findings

        report = cast("Report", _Report(job.findings, self.config))
        planned = plan_findings(report, job.cwd, job.stack, remedies, job.pending, job.jobs)
        send(answer, pickle.dumps(planned, protocol=pickle.HIGHEST_PROTOCOL))

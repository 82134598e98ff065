"""The project's own dispatch helper: a function that queues whatever task it is handed.

Projects often wrap their task queue in one helper (`def send_task(task, *args): task.send(*args)`,
`def enqueue(fn, *args): queue.enqueue(fn, *args)`) and call it from many places. A fix that moves
work to the queue should name that helper, so that the new job goes the way the project's other
jobs go (its logging, its retries, its tests' eager mode). Which methods send a task and which
calls enqueue one is catalogue data (`queues` in rules/offloads.yaml).
"""
from __future__ import annotations

from pathlib import PurePosixPath
from typing import Iterable, NamedTuple, Optional

from ..catalogue import Catalogue
from ..catalogue.offloads import Queue
from ..catalogue.patterns import tail
from .evaluate import Evaluator
from .index import ProjectIndex
from .findings import Finding
from .ir import Attr, Function, Name
from .project import Ctx, Project
from .values import External, FunctionRef

# A helper called once is a detail of its caller, not the project's way of queueing.
MIN_CALLERS = 2


class Dispatcher(NamedTuple):
    path: str
    line: int
    qualname: str
    queue: str
    callers: int


def _queues(catalogue: Catalogue) -> list[Queue]:
    table = catalogue.offloads.task_decorators
    found = (table.match(p) for p in table.patterns())
    return list({q.name: q for q in found if q is not None}.values())


def _queued_parameter(fn: Function, ctx: Ctx, send: dict[str, str], enqueue_tails: set[str],
                      ev: Evaluator, catalogue: Catalogue) -> Optional[str]:
    """The queue a function hands one of its parameters to (`task.send(...)`,
    `queue.enqueue(task, ...)`), or None."""
    params = {p.name for p in fn.params} - {"self", "cls"}
    for cs in fn.scope.calls:
        func = cs.func
        if (isinstance(func, Attr) and func.attr in send and isinstance(func.base, Name)
                and func.base.id in params):
            return send[func.attr]
        if cs.tail in enqueue_tails and cs.args and isinstance(cs.args[0], Name) and cs.args[0].id in params:
            for value in ev.eval(func, ctx):
                if isinstance(value, External):
                    found = catalogue.offloads.enqueue_calls.match(value.name)
                    if found is not None:
                        return found[0].name
    return None


def find_dispatchers(project: Project, ev: Evaluator, catalogue: Catalogue,
                     index: ProjectIndex) -> list[Dispatcher]:
    """The project's dispatch helpers, most called first."""
    queues = _queues(catalogue)
    send = {method: q.name for q in queues for method in q.send_methods}
    enqueue_tails = {tail(p) for p in catalogue.offloads.enqueue_calls.patterns()}
    candidates: list[tuple[int, Function, str]] = []
    for mi, module in enumerate(project.mods):
        for fn in module.functions.values():
            if fn.cls is not None or fn.parent is not None or len(fn.params) < 2:
                continue  # a module-level function taking the task and its arguments
            queue = _queued_parameter(fn, Ctx(mi, fn.qualname), send, enqueue_tails, ev, catalogue)
            if queue is not None:
                candidates.append((mi, fn, queue))
    out = []
    for mi, fn, queue in candidates:
        callers = _callers(mi, fn, ev, index)
        if callers >= MIN_CALLERS:
            out.append(Dispatcher(project.mods[mi].path, fn.line, fn.qualname, queue, callers))
    return sorted(out, key=lambda d: (-d.callers, d.path, d.line))


def _callers(mi: int, fn: Function, ev: Evaluator, index: ProjectIndex) -> int:
    """Call sites of the helper: resolved to it, or by its name where the callee is a parameter
    the evaluator cannot follow (`send_task(...)` received through dependency injection)."""
    count = 0
    for call in index.calls([fn.name]):
        if call.ctx.module == mi and call.ctx.function == fn.qualname:
            continue
        values = ev.eval(call.site.func, call.ctx)
        if any(isinstance(v, FunctionRef) and (v.module, v.qualname) == (mi, fn.qualname) for v in values) or not values and isinstance(call.site.func, Name):
            count += 1
    return count


def nearest(dispatchers: list[Dispatcher], path: str) -> Optional[Dispatcher]:
    """The helper of the finding's own top-level package when it has one, else the most called."""
    top = PurePosixPath(path).parts[:1]
    return next((d for d in dispatchers if PurePosixPath(d.path).parts[:1] == top), dispatchers[0] if dispatchers else None)


def annotate(findings: Iterable[Finding], dispatchers: list[Dispatcher]) -> None:
    """Give each heavy finding (the ones whose remedy is a queued job) the helper to name."""
    if not dispatchers:
        return
    for finding in findings:
        if finding.weight != "heavy":
            continue
        helper = nearest(dispatchers, finding.path)
        if helper is not None:
            finding.extra["dispatcher"] = {"call": helper.qualname, "path": helper.path,
                                           "line": helper.line, "queue": helper.queue}

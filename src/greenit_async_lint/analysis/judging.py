"""Each handler's findings: the work it reaches (reach.py), judged (findings.py) and kept as the
run's options say (selected codes, `# noqa`, confidence).

With several jobs, forked helpers take some of the handlers (fanout.py), each process a stretch
of neighbouring ones first: they reach the same services, which each process memoises for itself
(interleaved, jupyter-server's reach did a fifth more work). A helper judges its handlers too,
and sends their findings rather than their effects: a fifth of the bytes to pickle and for this
process to read back (mealie: 90 KB against 530 KB). A handler's effects do not depend on which
handlers were reached before it in the same process (walk.py), so the report is the same however
the handlers are shared out.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from .effects import Effect, Hop, best_effects, replace
from .fanout import can_fork, fan_out
from .findings import Finding, confident, handler_findings
from .handlers import Handler
from .methods import pruned
from .pathconds import cleared
from .values import Instance

if TYPE_CHECKING:
    from ..catalogue import Catalogue
    from .options import AnalysisOptions
    from .reach import Reach

Noqa = dict[str, dict[int, Optional[frozenset[str]]]]  # path -> line -> None (every code) or the codes

# Below this many handlers, the helper's fork (a few milliseconds) is about what it could save: a
# handler's reach takes about a millisecond when its callees are memoised, and both processes
# compute the callees their handlers share.
REACH_MIN_HANDLERS = 24
REACH_CHUNK = 2  # handlers per claim: small claims keep the processes level when one handler reaches far


def all_handler_findings(handlers: list[Handler], reach: Reach, catalogue: Catalogue, options: AnalysisOptions,
                         noqa: Noqa) -> list[list[Finding]]:
    """Each handler's findings, in the order of `handlers`, each naming its handler."""
    def one(i: int) -> list[Finding]:
        found = [f for f in handler_findings(handlers[i], handler_effects(handlers[i], reach), catalogue)
                 if options.selected(f.code, f.path) and not (options.noqa and suppressed(f, noqa))
                 and confident(f, options.min_confidence)]
        for finding in found:
            finding.handler = None  # (not sent with each finding by a helper: set again below)
        return found

    if options.jobs > 1 and len(handlers) >= REACH_MIN_HANDLERS and can_fork():
        judged = fan_out(len(handlers), one, options.jobs - 1, REACH_CHUNK, stretches=True)[0]
    else:
        judged = [one(i) for i in range(len(handlers))]
    for handler, found in zip(handlers, judged):
        for finding in found:
            finding.handler = handler
    return judged


def handler_effects(handler: Handler, reach: Reach) -> list[Effect]:
    """The work a handler reaches: its function's, and its dependencies' (`roots`)."""
    effects: list[Effect] = []
    if handler.function:
        # A branch for an HTTP method the route does not accept never runs (methods.py).
        effects.extend(pruned(handler, reach.function_effects(handler.mi, handler.qualname), reach.p, reach.ev,
                              reach.cat))
    for root in handler.roots:
        hop = Hop(root.path, root.line, 1, root.call)
        if root.method:
            found = reach.hooks.inherited_call_effects(Instance("inst", root.mi, root.qualname), root.method, hop)
        else:
            found = reach.prefixed(hop, reach.function_effects(root.mi, root.qualname))
        if root.in_thread:  # a sync dependency runs in the threadpool: as in a sync handler
            found = [replace(e, on_loop=False, in_thread=True) for e in found]
        effects.extend(found)
    return best_effects(cleared(effects))  # a handler's parameters are request data: its conditions say nothing


def suppressed(finding: Finding, noqa: Noqa) -> bool:
    """`# noqa` silences every code on its line; `# noqa: GAL101,GAL105` only those."""
    lines = noqa.get(finding.path)
    if not lines or finding.line not in lines:
        return False
    codes = lines[finding.line]
    return codes is None or finding.code in codes


__all__ = ["REACH_CHUNK", "REACH_MIN_HANDLERS", "all_handler_findings", "handler_effects", "suppressed"]

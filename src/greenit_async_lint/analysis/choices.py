"""A choice between queueing work and running it: `fn = task.delay if config.USE_QUEUE else run`;
and a setting read with a default: `settings.get("db.factory", make_session)`.

Which branch runs is the deployment's configuration, not the request's; the project wrote the
queue for production, so the evaluator follows the queued branch only. Following both branches
(the direct call reached through a mail backend's or a storage's subclasses) reported work the
application sends to its task queue.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from .ir import Attr, Call, Expr, Star
from .project import Ctx
from .values import FunctionAttr, Value

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator


def _queued(ev: Evaluator, value: Value) -> bool:
    if not isinstance(value, FunctionAttr):
        return False
    fn = ev.p.function(value.module, value.qualname)
    queue = ev.task_queue(value.module, fn) if fn is not None else None
    return queue is not None and value.attr in queue.send_methods


def one_of(ev: Evaluator, options: tuple[Expr, ...], ctx: Ctx) -> list[Value]:
    """The values of `a if c else b` (or `a or b`): every option's, unless one option is a queued
    send, which then stands for the choice."""
    values = [ev.eval(option, ctx) for option in options]
    queued = [v for found in values if found and all(_queued(ev, x) for x in found) for v in found]
    return queued or [v for found in values for v in found]


def setting_default(ev: Evaluator, expr: Call, ctx: Ctx) -> Optional[list[Value]]:
    """`settings.get("db.factory", make_session)` on a mapping the evaluator cannot see into (the
    deployment's settings): the default, which runs unless a deployment overrides it (Warehouse
    adds its database session to every request that way). None when the call is none."""
    func, args = expr.func, expr.args
    if not isinstance(func, Attr) or func.attr != "get" or len(args) != 2 or isinstance(args[1], Star) \
            or ev.eval(func, ctx):
        return None
    return list(ev.eval(args[1], ctx))

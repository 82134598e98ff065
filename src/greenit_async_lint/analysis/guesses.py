"""Hops resolved by a guess: the finding is then medium confidence, with the reason in its message.

Two guesses are made on the way down a chain: a receiver known only as a base class whose method
is a stub runs one of the subclasses' overrides (hierarchy.py), and a lookup in a registry filled
elsewhere (`HANDLERS[kind](...)`, `HANDLERS[name] = fn` or a registering decorator; registries.py)
runs one of the callables registered there. Either way the code does not say which one runs: the
work is reported, and how it was reached is said.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Optional

from .effects import Effect, replace
from .ir import Attr, Call, CallSite, Expr, Name, Subscript
from .project import BoundExpr, Ctx
from .values import FunctionRef, MethodRef, Value

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator

_LOOKUPS = frozenset({"get", "pop"})  # `HANDLERS.get(kind)` picks like `HANDLERS[kind]`


def guessed(ev: Evaluator, target: Value, cs: CallSite, ctx: Ctx, effects: Iterable[Effect]) -> list[Effect]:
    """The effects of calling `target` at `cs`: the chain names a subclass's override, and a hop
    resolved by a guess marks its effects with the reason (a deeper guess is kept)."""
    named = list(ev.classes.hierarchy.named(target, effects))
    if not named:
        return named
    reason = ev.classes.hierarchy.guess(target, cs, ctx) or registry_guess(ev, target, cs, ctx)
    return [e if e.guess or not reason else replace(e, guess=reason) for e in named]


def registry_guess(ev: Evaluator, target: Value, cs: CallSite, ctx: Ctx) -> str:
    """Why calling `target` at `cs` is a registry guess ("" when it is not): the callee is looked
    up in a module registry that other code fills, and the lookup may give several callables."""
    if not isinstance(target, (FunctionRef, MethodRef)):
        return ""
    lookup = _lookup(ev, cs.func, ctx)
    if lookup is None:
        return ""
    registry, where = lookup
    key = ev.registries.global_key(registry, where)
    if key is None or target not in ev.registries.extra(key.module, key.name):
        return ""
    count = sum(1 for v in ev.eval(cs.func, ctx) if isinstance(v, (FunctionRef, MethodRef)))
    if count < 2:
        return ""  # one callable: the lookup gives what was resolved
    name = target.qualname
    return f"`{cs.text}` resolved to {name}, one of {count} callables registered in {key.name}"


def _lookup(ev: Evaluator, func: Expr, ctx: Ctx, depth: int = 0) -> Optional[tuple[Expr, Ctx]]:
    """The registry expression a callee is picked from (`REG[k]`, `REG.get(k)`, or a local name
    bound to one of those), with the context it is read in."""
    if isinstance(func, Subscript):
        return func.base, ctx
    if isinstance(func, Call) and isinstance(func.func, Attr) and func.func.attr in _LOOKUPS:
        return func.func.base, ctx
    if isinstance(func, Name) and depth == 0 and ctx.function is not None:
        for bound in ev.p.bindings(func.id, ctx):
            if isinstance(bound, BoundExpr) and bound.ctx.function == ctx.function \
                    and isinstance(bound.binding, (Subscript, Call)):
                found = _lookup(ev, bound.binding, bound.ctx, depth + 1)
                if found is not None:
                    return found
    return None

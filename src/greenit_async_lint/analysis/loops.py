"""Loops that amplify work: a blocking call repeated over a collection the code does not make small
is heavy work (one query per row of an unbounded queryset)."""
from __future__ import annotations

from dataclasses import replace
from typing import Optional

from .effects import Effect
from .evaluate import Evaluator
from .ir import Attr, Call, Const, DictItems, Expr, Items, Loop, Name, Star
from .project import BoundExpr, Ctx, Project
from .values import External

_SMALL = 16  # a loop over at most this many known items is bounded


def amplified(effect: Effect, loop: Loop) -> Effect:
    """The effect as run once per element of an unbounded loop."""
    if effect.scope != "any":
        return effect  # a query per row is slow, but the event-loop rule already covers it
    if effect.weight in ("blocking", "poll"):
        return replace(effect, weight="heavy", loop=effect.loop or loop.text)
    return effect if effect.loop else replace(effect, loop=loop.text)


class LoopBounds:
    def __init__(self, project: Project, evaluator: Evaluator) -> None:
        self.p = project
        self.ev = evaluator

    def unbounded_loop(self, loops: tuple[Loop, ...], ctx: Ctx) -> Optional[Loop]:
        for loop in reversed(loops):
            if loop.kind == "while" or not self.bounded(loop.iter, ctx):
                return loop
        return None

    def bounded(self, expr: Optional[Expr], ctx: Ctx, depth: int = 0) -> bool:
        """Does the code make this iterable small (a literal, range(8), a constant tuple)?"""
        if expr is None or depth > 3:
            return False
        if isinstance(expr, Items):
            return len(expr.items) <= _SMALL
        if isinstance(expr, DictItems):
            return len(expr.keys) <= _SMALL
        if isinstance(expr, Const):
            return True
        if isinstance(expr, Name):
            bindings = self.p.bindings(expr.id, ctx)
            return bool(bindings) and all(
                isinstance(b, BoundExpr) and isinstance(b.binding, (Items, DictItems, Const))
                and self.bounded(b.binding, b.ctx, depth + 1) for b in bindings)
        if isinstance(expr, Call):
            names = {v.name for v in self.ev.eval(expr.func, ctx) if isinstance(v, External)}
            if "builtins.range" in names:
                return all(isinstance(a, Const) and isinstance(a.value, int) and a.value <= _SMALL for a in expr.args)
            if names & {"builtins.enumerate", "builtins.zip", "builtins.sorted", "builtins.reversed",
                        "builtins.list", "builtins.tuple", "builtins.set"}:
                return bool(expr.args) and all(not isinstance(a, Star) and self.bounded(a, ctx, depth + 1)
                                               for a in expr.args)
            if isinstance(expr.func, Attr) and expr.func.attr in ("items", "keys", "values"):
                return self.bounded(expr.func.base, ctx, depth + 1)
        return False

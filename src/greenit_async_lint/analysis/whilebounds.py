"""What bounds a `while` loop, and the small constants loop bounds are made of: a counter compared
with a small number (a literal, or a module or class constant: `range(MAX_RETRIES)`,
`while n < self.MAX_TRIES`), or a clock compared with a deadline (loops.py: a deadline loop
multiplies polls only). Split from loops.py, which asks these for every loop it judges."""
from __future__ import annotations

from typing import Optional

from ..catalogue.volume import VolumeRules
from .evaluate import Evaluator
from .ir import Attr, Call, Const, Expr, Items, Name, Subscript
from .project import BoundExpr, BoundParam, Ctx, Project
from .values import ClassRef, External, Instance

SMALL = 16  # a loop over at most this many known items is bounded


class WhileBounds:
    def __init__(self, project: Project, evaluator: Evaluator, rules: VolumeRules) -> None:
        self.p = project
        self.ev = evaluator
        self.rules = rules

    def while_bound(self, operands: Optional[Expr], ctx: Ctx) -> str:
        """'counter' (compared with a small number), 'deadline' (compared with a clock) or ''."""
        if not isinstance(operands, Items):
            return ""
        # The bound is a literal or a module or class constant: a local name bound to a number
        # is the counter itself (`n = 0; while n < len(rows)`), not what bounds it. The counter
        # must start small too: `remaining = len(rows)` counted down to 0 is as long as the rows.
        counters = [e for e in operands.items if isinstance(e, Name) and self._local(e.id, ctx)]
        if not any(self._starts_big(e.id, ctx) for e in counters) and any(
                e not in counters and self.small_int(e, ctx) for e in operands.items):
            return "counter"
        if any(self.is_clock(e, ctx) for e in operands.items):
            return "deadline"
        return ""

    def _starts_big(self, name: str, ctx: Ctx) -> bool:
        """A counter set from a size or a value read elsewhere (`remaining = len(rows)`, a
        parameter), or from a large number: counting it down is as long as that value."""
        if self.p.own_param(name, ctx) is not None:
            return True
        for b in self.p.bindings(name, ctx):
            if isinstance(b, BoundExpr) and (isinstance(b.binding, (Call, Attr, Subscript)) or isinstance(
                    b.binding, Const) and not self.small_int(b.binding, b.ctx)):
                return True
        return False

    def _local(self, name: str, ctx: Ctx) -> bool:
        return any(b.ctx.function is not None for b in self.p.bindings(name, ctx) if isinstance(b, (BoundExpr, BoundParam)))

    def is_clock(self, expr: Expr, ctx: Ctx, depth: int = 0) -> bool:
        if depth > 2:
            return False
        if isinstance(expr, Call):
            return any(isinstance(v, External) and v.name in self.rules.clocks for v in self.ev.eval(expr.func, ctx))
        if isinstance(expr, Name):  # deadline = time.monotonic() + 30
            return any(isinstance(b, BoundExpr) and self._mentions_clock(b.binding, b.ctx, depth + 1)
                       for b in self.p.bindings(expr.id, ctx))
        return False

    def _mentions_clock(self, expr: object, ctx: Ctx, depth: int) -> bool:
        if isinstance(expr, (Call, Name)):
            return self.is_clock(expr, ctx, depth)
        if isinstance(expr, Items):
            return any(self._mentions_clock(e, ctx, depth) for e in expr.items)
        return False

    def small_int(self, expr: Expr, ctx: Ctx) -> bool:
        """A constant int of at most SMALL, directly or through a module or class constant."""
        found = self.constants(expr, ctx)
        return found is not None and all(isinstance(v, int) and not isinstance(v, bool) and v <= SMALL for v in found)

    def seconds_at_most(self, expr: Optional[Expr], ctx: Ctx, limit: float) -> bool:
        """A constant number of seconds in (0, limit], directly or through a constant (`res.get(5)`)."""
        found = self.constants(expr, ctx) if expr is not None else None
        return found is not None and all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v <= limit
                                         for v in found)

    def constants(self, expr: Expr, ctx: Ctx) -> Optional[list[object]]:
        """The constants an expression holds, directly or through module or class constants (None:
        not only constants)."""
        if isinstance(expr, Const):
            return [expr.value]
        bound: list[object] = []
        if isinstance(expr, Name):
            bindings = self.p.through_imports(self.p.bindings(expr.id, ctx))
            if not all(isinstance(b, BoundExpr) for b in bindings):
                return None
            bound = [b.binding for b in bindings if isinstance(b, BoundExpr)]
        elif isinstance(expr, Attr):  # self.MAX_TRIES, Client.RETRIES
            for owner in self.ev.eval(expr.base, ctx):
                if not isinstance(owner, (Instance, ClassRef)):
                    return None
                for cmi, cq in self.ev.classes.mro(owner.module, owner.qualname)[0]:
                    cls = self.p.klass(cmi, cq)
                    if cls is not None and expr.attr in cls.attrs:
                        bound.extend(cls.attrs[expr.attr])
                        break
        if not bound or not all(isinstance(value, Const) for value in bound):
            return None
        return [value.value for value in bound if isinstance(value, Const)]

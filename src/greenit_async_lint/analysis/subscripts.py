"""Subscripts as the evaluator sees them: a key of a registry (`HANDLERS["pdf"]`), a slice or an
index of an outside collection of project rows (`Report.objects.all()[0]` is a Report), and a
subscripted type (`Optional[Model]`, `Dict[str, Model]`: generics.py)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .generics import generic_type
from .ir import Const, Subscript
from .project import Ctx
from .values import Candidates, External, Instance, Value, pick

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator


def subscript(ev: Evaluator, expr: Subscript, ctx: Ctx) -> list[Value]:
    out: list[Value] = []
    for base in ev.eval(expr.base, ctx):
        if isinstance(base, Candidates):
            out.extend(pick(base, expr.key))
        elif isinstance(base, External) and base.subject is not None:  # a slice of a queryset is a queryset,
            row = isinstance(expr.key, Const) and ev.instance_rules.names("iterates", base.name)
            out.append(Instance("inst", *base.subject) if row else base)  # an index (`obj, created = ...`) a row
        elif isinstance(base, External):  # `Optional[Model]`, `Dict[str, Model]`
            out.extend(generic_type(ev, base.name, expr.key, ctx))
    return out

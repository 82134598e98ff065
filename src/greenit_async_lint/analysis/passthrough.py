"""Functions that hand back what their caller passed: `def get_object_or_404(fn, *args): rv =
fn(*args); ...; return rv` gives, at `get_object_or_404(Alert.get_by_id, alert_id)`, what
Alert.get_by_id returns; `def first_of(value): return value` gives the argument itself.

Alone, such a return is unknown (its parameter holds nothing), so everything the caller did with
the result reached nothing. It is read at each call site from that site's argument (one level of
context, as passed.py reads the calls a callee makes on a parameter).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from .ir import Call, Expr, Function, Name
from .parameters import bind, passed_names
from .project import Ctx
from .values import Callee, MethodRef, Value

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator

# (parameter, whether the function returns what calling it gives back rather than the parameter)
HandedBack = tuple[str, bool]


class PassThrough:
    def __init__(self, evaluator: Evaluator) -> None:
        self.ev = evaluator
        self._handed: dict[tuple[int, str], tuple[HandedBack, ...]] = {}

    def returned(self, target: Callee, call: Call, ctx: Ctx) -> list[Value]:
        """What the call `call` (in `ctx`) of `target` gives back of its own arguments."""
        fn = self.ev.p.function(target.module, target.qualname)
        handed = self.handed_back(target.module, fn) if fn is not None else ()
        if not handed or fn is None:
            return []
        bound = bind(fn, isinstance(target, MethodRef), call.args, call.kwargs)
        out: list[Value] = []
        for param, called in handed:
            arg = bound.get(param)
            values = self.ev.eval(arg, ctx) if arg is not None else ()
            if called:
                out.extend(v for value in values for v in self.ev.returns(value))
            else:
                out.extend(values)
        return out

    def handed_back(self, mi: int, fn: Function) -> tuple[HandedBack, ...]:
        key = (mi, fn.qualname)
        found = self._handed.get(key)
        if found is None:
            params = passed_names(fn)
            ways = {way for value in fn.return_values for way in [_handed(fn, value, params)] if way is not None}
            found = self._handed[key] = tuple(sorted(ways))
        return found


def _handed(fn: Function, value: Expr, params: set[str], depth: int = 0) -> Optional[HandedBack]:
    """`param`, `param(...)`, or a local only ever bound to one of those (`rv = fn(*args)`)."""
    if isinstance(value, Name) and value.id in params:
        return value.id, False
    if isinstance(value, Call) and isinstance(value.func, Name) and value.func.id in params:
        return value.func.id, True
    if isinstance(value, Name) and depth == 0:
        ways = {_handed(fn, b, params, 1) if isinstance(b, (Name, Call)) else None
                for b in fn.scope.names.get(value.id, ())}
        return ways.pop() if len(ways) == 1 else None
    return None

"""What a callee does with what its caller hands it: a function passed in and called (`run(job)`
in `def each(items, run)`), a class passed in and built (`form_class(data)`), a method called on
a parameter that holds nothing of its own (`def export(writer): writer.write_all()`, with no
annotation, default or construction to say what `writer` is).

Such a call reaches nothing from the callee alone, so its work is found at each call site that
reaches the callee, from that site's argument (one level of context): `export(PdfWriter())` runs
PdfWriter.write_all, `export(CsvWriter())` CsvWriter's, and neither is charged to the other's
caller. The work is judged where the callee makes the call (its loops, guards and conditions), then
handed to the caller like the callee's own work; a parameter passed on again (`def a(w): export(w)`)
is not followed further.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from .effects import Effect, Hop
from .ir import Attr, Call, CallSite, Function, Name
from .parameters import bind
from .project import Ctx
from .values import Callee, MethodRef

if TYPE_CHECKING:
    from .reach import Reach

# Values of one argument followed: a caller passing one of many classes (a registry's `.get(kind)`)
# hands over a few of them; past this many, the rest are left, as an unknown argument is.
MAX_VALUES = 6

# The callee's call that uses the parameter, the method it calls (None: the parameter itself), and
# whether it calls that method on what calling the parameter returns (`renderer = renderer_class()`).
Use = tuple[CallSite, Optional[str], bool]


class PassedValues:
    def __init__(self, reach: Reach) -> None:
        self.r = reach
        self._uses: dict[tuple[int, str, object], dict[str, list[Use]]] = {}

    def effects(self, target: Callee, fn: Function, cs: CallSite, ctx: Ctx) -> list[Effect]:
        """The work the callee `target` does with what call site `cs` (in `ctx`) passes it, in the
        callee's terms: each chain starts at the callee's own call."""
        inner_ctx = Ctx(target.module, target.qualname, target.receiver if isinstance(target, MethodRef) else None)
        uses = self.uses(fn, inner_ctx)
        if not uses:
            return []
        r = self.r
        path = r.p.mods[target.module].path
        out: list[Effect] = []
        for name, arg in bind(fn, isinstance(target, MethodRef), cs.args, cs.kwargs).items():
            sites = uses.get(name)
            if not sites:
                continue
            values = r.ev.eval(arg, ctx)[:MAX_VALUES]
            for inner, method, built in sites if values else ():
                hop = Hop(path, inner.line, inner.col, inner.text)
                found: list[Effect] = []
                for value in values:
                    receivers = r.ev.returns(value) if built else (value,)
                    for called in (receivers if method is None else (c for v in receivers for c in r.ev.attr(v, method))):
                        found.extend(r.target_effects(called, inner, inner_ctx, hop))
                out.extend(r.judged(found, inner, inner_ctx))
        return out

    def uses(self, fn: Function, ctx: Ctx) -> dict[str, list[Use]]:
        """The callee's calls of a parameter, and of a method on a parameter that holds nothing
        of its own (a typed one is followed by its type, in the callee's own walk)."""
        key = (ctx.module, fn.qualname, ctx.receiver)
        found = self._uses.get(key)
        if found is None:
            skip = 1 if fn.cls is not None and fn.kind in ("method", "property", "classmethod") else 0  # self, cls
            names = {p.name for p in fn.params[skip:]}
            found = {}
            for cs in fn.scope.calls if names else ():
                func = cs.func
                if isinstance(func, Name) and func.id in names:
                    found.setdefault(func.id, []).append((cs, None, False))
                elif isinstance(func, Attr) and isinstance(func.base, Name) and not self.r.ev.eval(func.base, ctx):
                    receiver = func.base.id
                    if receiver in names:
                        found.setdefault(receiver, []).append((cs, func.attr, False))
                    elif (built := _built_from(fn, receiver, names)) is not None:
                        found.setdefault(built, []).append((cs, func.attr, True))
            self._uses[key] = found
        return found


def _built_from(fn: Function, local: str, params: set[str]) -> Optional[str]:
    """The parameter a local is only ever built by calling (`renderer = renderer_class(...)`), or None."""
    called = {b.func.id if isinstance(b, Call) and isinstance(b.func, Name) else None
              for b in fn.scope.names.get(local, ())}
    name = called.pop() if len(called) == 1 else None
    return name if name in params else None

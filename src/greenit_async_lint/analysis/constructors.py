"""Constructor arguments: what the project's constructions of a class pass to its `__init__`.

`ReportService(PdfRenderer())` stores the renderer with `self.renderer = renderer`; the parameter
has no annotation and no default, so without the call sites `self.renderer.render()` reaches
nothing. The arguments are read at every construction of the class (and of its subclasses that
inherit this `__init__`), at `super().__init__(...)` in a subclass and at an explicit
`Base.__init__(self, ...)`. Constructions are merged (not one context per construction), and at
most `MAX_SITES` are read per class so that a class built everywhere stays cheap.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from .index import Call as IndexedCall
from .ir import Arg, Attr, Call, Expr, Function, Keyword, Name, Param, Star
from .project import Project
from .values import ClassKey, ClassRef, FunctionRef, MethodRef, Value

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator

MAX_SITES = 8


def _is_super_init(func: object) -> bool:
    return (isinstance(func, Attr) and func.attr == "__init__" and isinstance(func.base, Call)
            and isinstance(func.base.func, Name) and func.base.func.id == "super")


class Constructors:
    def __init__(self, project: Project, evaluator: Evaluator) -> None:
        self.p = project
        self.ev = evaluator
        self._memo: dict[tuple[int, str, int], list[Value]] = {}
        self._defaults: Optional[dict[str, set[str]]] = None

    def argument(self, mi: int, init: Function, param: Param, index: int) -> list[Value]:
        """What the constructions of `init`'s class pass for `param` (position `index`, `self` 0)."""
        if init.name != "__init__" or init.cls is None or param.kind not in ("pos", "kwonly"):
            return []
        memo_key = (mi, init.qualname, index)
        found = self._memo.get(memo_key)
        if found is not None:
            return found
        self._memo[memo_key] = []  # a construction inside the constructor's own arguments stops here
        key: ClassKey = (mi, init.cls)
        built = {key} | {sub for sub in self.ev.classes.hierarchy.subclasses(key) if self._inherits_init(sub)}
        names = {q.rsplit(".", 1)[-1] for _, q in built}
        out: list[Value] = []
        sites = 0
        # (`cls(...)` in a classmethod builds the class too: a factory `create_service` returning `cls(session=...)`)
        aliases = {a for n in names for a in self._default_aliases().get(n, ())}
        for call in self.ev.index.calls(names | aliases | {"__init__", "cls"}):
            offset = self._offset(call, key, built, init)
            if offset is None:
                continue
            arg = self._pick(call.site.args, call.site.kwargs, param, index - offset)
            if arg is not None:
                out.extend(self.ev.eval(arg, call.ctx))
            sites += 1
            if sites >= MAX_SITES:
                break
        self._memo[memo_key] = out
        return out

    def _default_aliases(self) -> dict[str, set[str]]:
        """Parameters whose default names a class, by the class's name: `def login(request,
        _form_class=LoginForm)` builds a LoginForm where it calls `_form_class(...)`."""
        if self._defaults is None:
            self._defaults = {}
            for module in self.p.mods:
                for fn in module.functions.values():
                    for param in fn.params:
                        d = param.default
                        tail = d.id if isinstance(d, Name) else d.attr if isinstance(d, Attr) else None
                        if tail is not None:
                            self._defaults.setdefault(tail, set()).add(param.name)
        return self._defaults

    def _inherits_init(self, sub: ClassKey) -> bool:
        cls = self.p.klass(*sub)
        return cls is not None and "__init__" not in cls.methods

    def _offset(self, call: IndexedCall, key: ClassKey, built: set[ClassKey], init: Function) -> Optional[int]:
        """How many leading parameters the call does not pass (1: `self` is supplied), or None
        when the call does not run this `__init__`."""
        site, ctx = call.site, call.ctx
        if site.tail != "__init__":
            targets = self.ev.eval(site.func, ctx)
            return 1 if any(isinstance(t, ClassRef) and (t.module, t.qualname) in built for t in targets) else None
        if _is_super_init(site.func):
            caller = self.p.function(ctx.module, ctx.function) if ctx.function is not None else None
            if caller is None or caller.cls is None:
                return None
            mro = self.ev.classes.mro(ctx.module, caller.cls)[0]
            return 1 if key in mro[1:] and self._first_init(mro[1:]) == key else None
        for t in self.ev.eval(site.func, ctx):
            if isinstance(t, FunctionRef) and (t.module, t.qualname) == (key[0], init.qualname):
                return 0  # `Base.__init__(self, ...)` passes `self` itself
            if isinstance(t, MethodRef) and (t.module, t.qualname) == (key[0], init.qualname):
                return 1
        return None

    def _first_init(self, classes: list[ClassKey]) -> Optional[ClassKey]:
        for c in classes:
            cls = self.p.klass(*c)
            if cls is not None and "__init__" in cls.methods:
                return c
        return None

    @staticmethod
    def _pick(args: tuple[Arg, ...], kwargs: tuple[Keyword, ...], param: Param,
              position: int) -> Optional[Expr]:
        for name, value in kwargs:
            if name == param.name:
                return value
        if param.kind == "pos" and 0 <= position < len(args):
            arg = args[position]
            return None if isinstance(arg, Star) else arg
        return None

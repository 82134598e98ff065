"""Class-hierarchy analysis: the project's subclasses of a class, and the overrides of a method
that only declares an interface.

A receiver typed as an abstract base (a factory declared `-> BaseImporter`, a parameter annotated
with a plugin base) has no concrete value: calling its stub method runs one of the subclasses'
overrides at run time. The evaluator then follows those overrides, each named by its subclass in
the chain. The search is bounded (`MAX_SUBCLASSES`) so that a base with hundreds of subclasses
costs no more than a handful; subclasses are found by the last name of their base expressions
first (cheap), then confirmed through the lookup order.

Such a hop is a guess (`guess`): the code says only that some subclass runs, and the finding is
then medium confidence, with the reason in its message. A receiver built as the subclass itself
is no guess, even when the method it runs overrides a stub.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Optional

from .effects import Effect, Hop, with_hop
from .ir import Attr, CallSite, Const, Expr, Function, Name, Subscript
from .project import Ctx, Project
from .values import ClassKey, ClassRef, Instance, MethodRef, Value

if TYPE_CHECKING:  # pragma: no cover
    from .classes import ClassLookup
    from .evaluate import Evaluator

MAX_SUBCLASSES = 8  # overrides followed per stub method: enough for a plugin family, bounded for speed
# Calls a body may make and still only declare an interface (`raise NotImplementedError(...)`).
_STUB_CALLS = frozenset({"NotImplementedError"})
_ABSTRACT_DECORATORS = frozenset({"abstractmethod", "abstractproperty", "abstractclassmethod",
                                  "abstractstaticmethod"})


def _base_tail(expr: Expr) -> Optional[str]:
    while isinstance(expr, Subscript):  # `Base[T]` names `Base`
        expr = expr.base
    if isinstance(expr, Name):
        return expr.id
    if isinstance(expr, Attr):
        return expr.attr
    return None


def is_stub(fn: Function) -> bool:
    """Whether a method only declares an interface: marked abstract, or a body that does nothing
    but `pass`, `...`, a docstring, `return None` or `raise NotImplementedError`."""
    if _ABSTRACT_DECORATORS.intersection(fn.decorator_tails):
        return True
    if any(site.tail not in _STUB_CALLS for site in fn.scope.calls):
        return False
    return all(isinstance(v, Const) and v.value is None for v in fn.return_values)


class Hierarchy:
    def __init__(self, project: Project, classes: ClassLookup) -> None:
        self.p = project
        self.classes = classes
        self._by_base_tail: Optional[dict[str, list[ClassKey]]] = None
        self._subclasses: dict[ClassKey, tuple[ClassKey, ...]] = {}
        self._overrides_stub: dict[tuple[int, str], bool] = {}

    def _index(self) -> dict[str, list[ClassKey]]:
        if self._by_base_tail is None:
            index: dict[str, list[ClassKey]] = {}
            for mi, module in enumerate(self.p.mods):
                for cq, cls in module.classes.items():
                    for base in cls.bases:
                        tail = _base_tail(base)
                        if tail is not None:
                            index.setdefault(tail, []).append((mi, cq))
            self._by_base_tail = index
        return self._by_base_tail

    def subclasses(self, key: ClassKey) -> tuple[ClassKey, ...]:
        """The project's subclasses of a class (direct ones first), at most `MAX_SUBCLASSES`."""
        found = self._subclasses.get(key)
        if found is not None:
            return found
        out: list[ClassKey] = []
        queue = [key]
        while queue and len(out) < MAX_SUBCLASSES:
            current = queue.pop(0)
            cls = self.p.klass(*current)
            if cls is None:
                continue
            for candidate in self._index().get(cls.name, ()):
                if candidate == key or candidate in out or current not in self.classes.mro(*candidate)[0]:
                    continue
                out.append(candidate)
                queue.append(candidate)
                if len(out) >= MAX_SUBCLASSES:
                    break
        result = tuple(out)
        self._subclasses[key] = result
        return result

    def overrides(self, key: ClassKey, attr: str, stub: Function) -> list[Value]:
        """The methods of the subclasses of `key` that override the stub `attr`, bound to an
        instance of their own class (so the chain names the subclass)."""
        out: list[Value] = []
        for smi, sq in self.subclasses(key):
            cls = self.p.klass(smi, sq)
            fq = cls.methods.get(attr) if cls is not None else None
            fn = self.p.function(smi, fq) if fq is not None else None
            if fn is None or fn is stub or is_stub(fn) or fn.kind == "staticmethod":
                continue
            out.append(MethodRef("meth", smi, fn.qualname, None))
        return out

    def named(self, target: Value, effects: Iterable[Effect]) -> Iterable[Effect]:
        """The effects of a call: for a method that overrides a base's stub, the chain names the
        subclass's method (the call site's text names only the receiver, typed as the base)."""
        if not isinstance(target, MethodRef) or not self.overrides_stub(target.module, target.qualname):
            return effects
        fn = self.p.function(target.module, target.qualname)
        line = fn.line if fn is not None else 1
        hop = Hop(self.p.mods[target.module].path, line, 1, target.qualname)
        return [with_hop(e, hop) for e in effects]

    def guess(self, target: Value, cs: CallSite, ctx: Ctx) -> str:
        """Why calling `target` at `cs` is a class-hierarchy guess ("" when it is not): the receiver
        is known only as a base whose method is a stub, and `target` is one of its subclasses'
        overrides. A receiver that may be the subclass itself (or one of its own subclasses) runs
        `target` as resolved."""
        if not isinstance(target, MethodRef) or not isinstance(cs.func, Attr):
            return ""
        if isinstance(cs.func.base, Attr):
            found = self.property_guess(cs.func.base, cs.text.rsplit(".", 1)[0], ctx)
            if found:
                return found
        if not self.overrides_stub(target.module, target.qualname):
            return ""
        fn = self.p.function(target.module, target.qualname)
        if fn is None or fn.cls is None:
            return ""
        owner = (target.module, fn.cls)
        owner_mro = self.classes.mro(*owner)[0]
        bases: list[ClassKey] = []
        for value in self.classes.ev.eval(cs.func.base, ctx):
            if not isinstance(value, (Instance, ClassRef)):
                continue
            key = (value.module, value.qualname)
            if owner in self.classes.mro(*key)[0]:
                return ""  # the subclass itself, as resolved
            if key in owner_mro:
                bases.append(key)
        if not bases:
            return ""
        base = min(bases, key=lambda k: (self.p.mods[k[0]].path, k[1]))  # the same whatever the order
        # The base's stub first, then its subclasses' overrides (at most MAX_SUBCLASSES).
        count = max(sum(1 for v in self.classes.attr(*base, cs.func.attr, True) if isinstance(v, MethodRef)) - 1, 1)
        name = base[1].rsplit(".", 1)[-1]
        cls = fn.cls.rsplit(".", 1)[-1]
        if count == 1:
            return f"`{cs.text}` resolved to {cls}.{fn.name}, the only subclass of {name} overriding it"
        return f"`{cs.text}` resolved to {cls}.{fn.name}, one of {count} subclasses of {name} overriding it"

    def property_guess(self, expr: Attr, text: str, ctx: Ctx) -> str:
        """Why the receiver `expr` (`self.renderer`) is a guess ("" when it is not): it is read
        through a property that is a stub on every class it is read on, so the value is what one
        of the subclasses' overrides gives."""
        reason = ""
        for value in self.classes.ev.eval(expr.base, ctx):
            if not isinstance(value, Instance):
                continue
            key = (value.module, value.qualname)
            stub = self._property(key, expr.attr)
            if stub is None or not is_stub(stub):
                return ""  # a concrete property (or none): resolved
            count = len(self.overrides(key, expr.attr, stub))
            if count and not reason:
                which = "the only subclass" if count == 1 else f"one of {count} subclasses"
                name = value.qualname.rsplit(".", 1)[-1]
                reason = f"`{text}` resolved through {which} of {name} overriding the stub property `{expr.attr}`"
        return reason

    def _property(self, key: ClassKey, attr: str) -> Optional[Function]:
        """The property `attr` as the lookup order of `key` finds it."""
        for cmi, cq in self.classes.mro(*key)[0]:
            cls = self.p.klass(cmi, cq)
            fq = cls.methods.get(attr) if cls is not None else None
            if fq is not None:
                fn = self.p.function(cmi, fq)
                if fn is None or not (fn.kind == "property" or any(t.endswith("property") for t in fn.decorator_tails)):
                    return None
                return fn
        return None

    def overrides_stub(self, mi: int, qualname: str) -> bool:
        """Whether a method overrides a stub of one of its bases (decided by the classes alone, so
        that a chain reads the same whatever order handlers are walked in)."""
        found = self._overrides_stub.get((mi, qualname))
        if found is None:
            found = False
            fn = self.p.function(mi, qualname)
            if fn is not None and fn.cls is not None:
                for cmi, cq in self.classes.mro(mi, fn.cls)[0][1:]:
                    cls = self.p.klass(cmi, cq)
                    bq = cls.methods.get(fn.name) if cls is not None else None
                    base = self.p.function(cmi, bq) if bq is not None else None
                    if base is not None:
                        found = is_stub(base)
                        break
            self._overrides_stub[(mi, qualname)] = found
        return found


def function_returns(ev: Evaluator, mi: int, fn: Function, receiver: Optional[ClassKey]) -> list[Value]:
    """What a project function gives back: its returned values, then the declared types they do not
    already cover. A factory declared `-> Base` that returns `CsvImporter()` gives that subclass only
    (the declared base would reach every subclass's override); one whose returns cannot be followed
    still gives its declared type."""
    ctx = Ctx(mi, fn.qualname, receiver)
    out: list[Value] = [v for e in fn.return_values for v in ev.eval(e, ctx)]
    if fn.returns is None:
        return out
    kinds = [v for v in out if isinstance(v, Instance)]
    for d in ev.instances(ev.eval(fn.returns, ev.p.defining_ctx(mi, fn))):
        if isinstance(d, Instance) and any((d.module, d.qualname) in ev.classes.mro(r.module, r.qualname)[0]
                                           for r in kinds):
            continue
        out.append(d)
    return out

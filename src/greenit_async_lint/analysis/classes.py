"""Classes as the evaluator sees them: lookup order through project and outside bases, and
attribute lookup on classes and instances (methods, class attributes, `self.x = ...`).

Class lookup and expression evaluation need each other (a base class is an expression; an
attribute of an instance is looked up through its classes), so the lookup holds the evaluator it
belongs to, and the evaluator holds its lookup as `Evaluator.classes`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from .hierarchy import Hierarchy, is_stub
from .ir import Attr, Call, Class, ClassDef, Declared, Element, FromImport, Import, Name
from .project import Ctx, Project
from .values import ClassKey, ClassRef, External, FunctionRef, Instance, MethodRef, Value

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator


class ClassLookup:
    def __init__(self, project: Project, evaluator: Evaluator) -> None:
        self.p = project
        self.ev = evaluator
        self._mro: dict[ClassKey, tuple[list[ClassKey], list[str]]] = {}
        self.hierarchy = Hierarchy(project, self)

    def mro(self, mi: int, qualname: str) -> tuple[list[ClassKey], list[str]]:
        """Project classes in lookup order (the class first), and the outside bases reached."""
        key = (mi, qualname)
        found = self._mro.get(key)
        if found is not None:
            return found
        self._mro[key] = ([key], [])  # a cycle through bases stops here
        classes: list[ClassKey] = [key]
        external: list[str] = []
        bases: list[ClassKey] = []
        orders: list[list[ClassKey]] = []
        cls = self.p.klass(mi, qualname)
        if cls is not None:
            ctx = self.p.class_ctx(mi, cls)
            for base_expr in cls.bases:
                while base_expr[0] == "s":  # a generic base (`GenericAPIView[Any]`) is its base
                    base_expr = base_expr[1]
                for base in self.ev.eval(base_expr, ctx):
                    if isinstance(base, ClassRef):
                        sub_classes, sub_external = self.mro(base.module, base.qualname)
                        bases.append((base.module, base.qualname))
                        orders.append(sub_classes)
                        classes.extend(c for c in sub_classes if c not in classes)
                        external.extend(e for e in sub_external if e not in external)
                    elif isinstance(base, External):
                        name = self.ev.types.get(base.name, base.name)
                        if name not in external:
                            external.append(name)
        if len(orders) > 1:
            classes = [key] + (_c3([*orders, bases]) or classes[1:])
        self._mro[key] = (classes, external)
        return classes, external

    def super_attr(self, expr: Attr, ctx: Ctx) -> Optional[list[Value]]:
        """`super().attr` in a method: `attr` looked up on `self`'s class from the class after the
        one defining the method (None when `expr` is not such a lookup)."""
        base = expr.base
        if not (isinstance(base, Call) and isinstance(base.func, Name) and base.func.id == "super"):
            return None
        here = self.defining_class(ctx)
        if here is None:
            return []
        receiver = ctx.receiver or here
        return self.attr(*receiver, expr.attr, True, after=here)

    def defining_class(self, ctx: Ctx) -> Optional[ClassKey]:
        """The class whose method `ctx` is in."""
        fn = self.p.function(ctx.module, ctx.function) if ctx.function is not None else None
        return (ctx.module, fn.cls) if fn is not None and fn.cls is not None else None

    def attr(self, mi: int, qualname: str, attr: str, instance: bool,
             after: Optional[ClassKey] = None) -> list[Value]:
        """What `attr` gives on the class (or on an instance of it, when `instance`); with `after`,
        from the class after that one in the lookup order (`super()`)."""
        classes, external = self.mro(mi, qualname)
        if after is not None:
            classes = classes[classes.index(after) + 1:] if after in classes else []
        for cmi, cq in classes:
            cls = self.p.klass(cmi, cq)
            if cls is None:
                continue
            fq = cls.methods.get(attr)
            if fq is not None:
                fn = self.p.function(cmi, fq)
                if fn is None:
                    continue
                # A method inherited from a base still runs with `self` an instance of this
                # class, so that `self.hook()` reaches this class's override (template methods).
                receiver = None if (cmi, cq) == (mi, qualname) else (mi, qualname)
                # A stub (an abstract base's, a plugin base's) runs one of the subclasses' overrides.
                stub = after is None and is_stub(fn)  # (`super()` reaching a stub runs nothing more)
                overrides = self.hierarchy.overrides((mi, qualname), attr, fn) if stub else []
                # `functools.cached_property` and its kin read like a property.
                if fn.kind == "property" or (fn.decorator_tails and any(t.endswith("property")
                                                                         for t in fn.decorator_tails)):
                    bound = [MethodRef("meth", cmi, fq, receiver)] + overrides
                    return [v for m in bound for v in self.ev.returns(m)] if instance else []
                if fn.kind == "staticmethod":
                    return [FunctionRef("fn", cmi, fq)]
                if fn.kind == "classmethod" or instance:
                    return [MethodRef("meth", cmi, fq, receiver)] + overrides
                return [FunctionRef("fn", cmi, fq)]
            values = cls.attrs.get(attr)
            if values:  # (most classes of the lookup order have no such attribute: nothing to build)
                # `start = _async_start` in a class body: the alias is that method, bound like it.
                alias = next((v.id for v in values if isinstance(v, Name) and v.id in cls.methods), None)
                if alias is not None and alias != attr:
                    return self.attr(mi, qualname, alias, instance, after)
                ctx = self.p.class_ctx(cmi, cls)
                declared = [v for e in values for v in self.ev.binding(e, ctx)]
                if instance and all(isinstance(e, Declared) for e in values):
                    # `minifier: ABCMinifier` declared in the class body, `self.minifier =
                    # PillowMinifier()` stored by a method: the stored values, then the declared
                    # types they do not cover (a declared base would reach every subclass's override).
                    return self._covered(self._stored(cmi, cls, attr), declared)
                return declared
            if instance:
                out = self._stored(cmi, cls, attr)
                if out:
                    return out
        return [External("ext", f"{external[0]}.{attr}", (mi, qualname))] if external else []

    def _stored(self, cmi: int, cls: Class, attr: str) -> list[Value]:
        """What the class's methods store into `self.<attr>`."""
        out: list[Value] = []
        for mq, value in self.p.stores(cmi, cls).get(attr, ()):
            here = Ctx(cmi, mq)
            if isinstance(value, Declared):
                out.extend(self.ev.binding(value, here))
            elif not isinstance(value, (Import, FromImport, ClassDef, Element)):
                out.extend(self.ev.eval(value, here))  # (`for self.x in ...` is not followed)
        return out

    def _covered(self, stored: list[Value], declared: list[Value]) -> list[Value]:
        """The stored values, then the declared ones that are not a base of a stored instance."""
        kinds = [v for v in stored if isinstance(v, Instance)]
        out = list(stored)
        for d in declared:
            if isinstance(d, Instance) and any((d.module, d.qualname) in self.mro(k.module, k.qualname)[0]
                                               for k in kinds):
                continue
            out.append(d)
        return out


def _c3(orders: list[list[ClassKey]]) -> list[ClassKey]:
    """Python's lookup order (C3) merged from the bases' own orders and the list of bases: a class
    comes before its bases even when two bases share one (`class C(A, B)`, A and B both subclass
    Base: C, A, B, Base, not C, A, Base, B). Empty when the orders contradict each other."""
    seqs = [list(order) for order in orders]
    out: list[ClassKey] = []
    while True:
        seqs = [seq for seq in seqs if seq]
        if not seqs:
            return out
        head = next((seq[0] for seq in seqs if not any(seq[0] in other[1:] for other in seqs)), None)
        if head is None:
            return []
        out.append(head)
        for seq in seqs:
            if seq[0] == head:
                del seq[0]

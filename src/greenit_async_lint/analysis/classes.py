"""Classes as the evaluator sees them: lookup order through project and outside bases, and
attribute lookup on classes and instances (methods, class attributes, `self.x = ...`).

A mixin of `Evaluator` (which provides `p`, `types`, `eval`, `binding`, `returns` and `_mro`).
"""
from __future__ import annotations

from typing import Any


class ClassLookup:
    p: Any
    types: dict[str, str]
    _mro: dict
    eval: Any
    binding: Any
    returns: Any

    def mro(self, mi: int, qualname: str) -> tuple[list[tuple[int, str]], list[str]]:
        """Project classes in lookup order (the class first), and the outside bases reached."""
        key = (mi, qualname)
        found = self._mro.get(key)
        if found is not None:
            return found
        self._mro[key] = ([key], [])  # a cycle through bases stops here
        classes: list[tuple[int, str]] = [key]
        external: list[str] = []
        cls = self.p.klass(mi, qualname)
        if cls is not None:
            ctx = self.p.class_ctx(mi, cls)
            for base_expr in cls.bases:
                for base in self.eval(base_expr, ctx):
                    if base[0] == "cls":
                        sub_classes, sub_external = self.mro(base[1], base[2])
                        classes.extend(c for c in sub_classes if c not in classes)
                        external.extend(e for e in sub_external if e not in external)
                    elif base[0] == "ext":
                        name = self.types.get(base[1], base[1])
                        if name not in external:
                            external.append(name)
        self._mro[key] = (classes, external)
        return classes, external

    def class_attr(self, mi: int, qualname: str, attr: str, instance: bool) -> list[tuple]:
        classes, external = self.mro(mi, qualname)
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
                receiver = () if (cmi, cq) == (mi, qualname) else ((mi, qualname),)
                if fn.kind == "property":
                    return list(self.returns(("meth", cmi, fq, *receiver))) if instance else []
                if fn.kind == "staticmethod":
                    return [("fn", cmi, fq)]
                if fn.kind == "classmethod" or instance:
                    return [("meth", cmi, fq, *receiver)]
                return [("fn", cmi, fq)]
            values = cls.attrs.get(attr)
            if values:
                ctx = self.p.class_ctx(cmi, cls)
                return [v for e in values for v in self.binding(e, ctx)]
            if instance:
                out: list[tuple] = []
                for mq in cls.methods.values():
                    fn = self.p.function(cmi, mq)
                    if fn is None:
                        continue
                    for name, value in fn.self_attrs:
                        if name == attr:
                            out.extend(self.binding(value, (cmi, mq)) if value[0] == "ann" else self.eval(value, (cmi, mq)))
                if out:
                    return out
        return [("ext", f"{external[0]}.{attr}", (mi, qualname))] if external else []

"""Declared defaults: a class attribute declared by a field call with a default is that default.

Configurable applications declare their parts as class attributes whose value is a field
declaration, and build them from it at start-up: `contents_manager_class = Type(
default_value=LargeFileManager, klass=ContentsManager)`, then `self.contents_manager =
self.contents_manager_class(parent=self)`. The declaration call itself is a descriptor, not the
value an instance reads: what an instance reads, unless the deployment configures something
else, is the default. The catalogue's `guards.field_defaults` (rules/offloads.yaml) says which
calls are such declarations and where they carry the default (settingdefaults.py reads the same
table for constant defaults), so:

- `field_default` gives the default's expression: the evaluator reads a declaration call as its
  default (`self.contents_manager_class` is the class LargeFileManager, and calling it builds one;
  a dotted name of a project class, `Type(default_value="app.files.LargeFileManager")`, is that class);
- `Defaults.implementation`: a project class declared as such a default is the implementation that
  runs by default where the code only names one of its bases. A handler whose manager is read
  through a property declared `-> ContentsManager` (an interface whose methods are stubs) runs the
  declared default's methods, not a guess among every subclass's overrides (hierarchy.py).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..catalogue.patterns import PatternTable, tails
from ..catalogue.schema import ArgSpec
from .ir import Arg, Attr, Call, Const, Expr, Keyword, Name
from .parameters import arg_value
from .project import Ctx, Project
from .values import ClassKey, ClassRef, External, ModuleRef, Value

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator


def field_default(fields: PatternTable[ArgSpec], target: Value, args: tuple[Arg, ...],
                  kwargs: tuple[Keyword, ...]) -> Optional[Expr]:
    """The default a field declaration call carries, when `target` is such a declaration."""
    if not isinstance(target, External):
        return None
    spec = fields.match(target.name)
    return arg_value(args, kwargs, spec) if spec is not None else None


class Defaults:
    def __init__(self, project: Project, evaluator: Evaluator, fields: PatternTable[ArgSpec]) -> None:
        self.p = project
        self.ev = evaluator
        self.fields = fields
        self._tails = tails(fields.patterns())
        self._declared: Optional[list[ClassKey]] = None
        self._by_base: dict[ClassKey, tuple[ClassKey, ...]] = {}

    def implementation(self, key: ClassKey) -> tuple[ClassKey, ...]:
        """The classes an instance declared as `key` is by default: the project's declared defaults
        that are subclasses of `key`, else `key` itself (also when it is a declared default)."""
        found = self._by_base.get(key)
        if found is not None:
            return found
        self._by_base[key] = (key,)  # while the declarations are read, a base is itself
        declared = self._declarations()
        result = () if key in declared else tuple(
            d for d in declared if d != key and key in self.ev.classes.mro(*d)[0])
        result = result or (key,)
        self._by_base[key] = result
        return result

    def values(self, default: Expr, ctx: Ctx) -> list[Value]:
        """What a declared default is: its value, or the project class a dotted name names
        (`Type(default_value="app.auth.LoginFormHandler")`, which traitlets imports)."""
        found = list(self.ev.eval(default, ctx))
        text = self.p.const_str(default, ctx) if not found else None
        module, _, attr = (text or "").rpartition(".")
        mi = self.p.find_module(module, ctx.module) if module and attr else None
        if mi is None:
            return found
        return [v for v in self.ev.attr(ModuleRef("mod", mi), attr) if isinstance(v, ClassRef)]

    def _declarations(self) -> list[ClassKey]:
        """The project classes some class attribute declares as its default."""
        if self._declared is not None:
            return self._declared
        self._declared = []
        out: list[ClassKey] = []
        for mi, module in enumerate(self.p.mods):
            for cls in module.classes.values():
                for bindings in cls.attrs.values():
                    for b in bindings:
                        if not isinstance(b, Call) or (self._tails is not None and _tail(b.func) not in self._tails):
                            continue
                        ctx = self.p.class_ctx(mi, cls)
                        for target in self.ev.eval(b.func, ctx):
                            default = field_default(self.fields, target, b.args, b.kwargs)
                            if default is None:
                                continue
                            out.extend((v.module, v.qualname) for v in self.values(default, ctx)
                                       if isinstance(v, ClassRef) and (v.module, v.qualname) not in out)
        self._declared = out
        return out


def _tail(expr: Expr) -> Optional[str]:
    if isinstance(expr, Call):
        return None
    name = getattr(expr, "attr", None) or getattr(expr, "id", None)
    return name if isinstance(name, str) else None


def own_trait(ev: Evaluator, fields: PatternTable[ArgSpec], subject: Expr, ctx: Ctx) -> bool:
    """Whether `subject` is `self.<attr>` in a method of a class that declares `attr` with a field
    declaration (`delete_to_trash = Bool(True, config=True)`) and computes no other default for it
    (traitlets' `@default("delete_to_trash")` method): a guard on it is then decided by the declared
    default, as a parameter's guard is by the parameter's default (settingdefaults.py)."""
    if not (isinstance(subject, Attr) and isinstance(subject.base, Name)) or ctx.function is None:
        return False
    fn = ev.p.function(ctx.module, ctx.function)
    if fn is None or fn.cls is None or fn.kind != "method" or not fn.params or fn.params[0].name != subject.base.id:
        return False
    declared = False
    for cmi, cq in ev.classes.mro(*(ctx.receiver or (ctx.module, fn.cls)))[0]:
        cls = ev.p.klass(cmi, cq)
        if cls is None:
            continue
        for mq in cls.methods.values():
            method = ev.p.function(cmi, mq)
            if method is not None and any(isinstance(d, Call) and d.args and d.args[0] == Const("k", subject.attr)
                                          for d in method.decorators):
                return False  # a computed default
        if not declared and subject.attr in cls.attrs:
            cctx = ev.p.class_ctx(cmi, cls)
            declared = any(isinstance(b, Call) and any(field_default(fields, t, b.args, b.kwargs) is not None
                                                       for t in ev.eval(b.func, cctx))
                           for b in cls.attrs[subject.attr])
    return declared

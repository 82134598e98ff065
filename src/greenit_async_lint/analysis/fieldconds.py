"""A field of a constructed argument decides the callee's `if data.field:` (pathconds.py).

`create_invoice(wallet, CreateInvoice(amount=1, internal=True))` passes an object whose
`lnurl_withdraw` is the class's declared default (None): the callee's `if data.lnurl_withdraw:`
never runs. The field's value is known when nothing else can have set it:

- the argument is a constructor call with keywords only (a local bound once to one counts, if
  the caller neither stores on it nor hands it to another call first); a keyword for the field
  gives its value (a constant, or nothing known), its absence the class's declared default;
- the class declares the field with a type (`lnurl_withdraw: X | None = None`: a dataclass, a
  pydantic or attrs model, where keywords are fields) and a constant default, and neither it nor
  its project bases define a constructor or attribute hook (`__init__`, `__post_init__`,
  `model_post_init`, `__setattr__`...) or a validator that may set the field (a decorator
  naming no field, as `@root_validator`, or naming this one);
- the callee (and, for a condition moved up a hop, each function it passes through) stores on
  the parameter's field, calls a method on the parameter or hands it to another call nowhere
  in its body (`stable`).

A class whose constructor (`__init__`, `__post_init__`) sets the field from a setting, its only
store on it (`self.allow_internal = settings.ALLOW_INTERNAL`), gives that setting's default
instead: a SettingValue, whose ruled-out branch is kept at low confidence (pathconds.py). A field
of the caller's own parameter passed as an argument (`validate(url, allow=config.allow)`) moves
the condition up as a field condition (`config.allow`), decided where the object is built.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Optional

from .ir import Attr, Call, CallSite, Const, Declared, Expr, Function, Name, Scalar
from .project import Ctx, Project
from .values import ClassRef

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator
    from .settingdefaults import SettingDefaults

UNKNOWN_FIELD = object()


class SettingValue(NamedTuple):
    """A value read from a setting (settingdefaults.argument_default): the branch its default
    rules out is kept at low confidence, since a deployment may change it (pathconds.py)."""

    value: Scalar
    text: str
_HOOKS = frozenset({"__init__", "__new__", "__post_init__", "model_post_init", "__attrs_post_init__",
                    "__setattr__", "__getattr__", "__getattribute__", "__init_subclass__"})
_PLAIN_DECORATORS = frozenset({"classmethod", "staticmethod", "property", "cached_property", "abstractmethod"})


def stable(fn: Function, name: str, attr: str, site: Optional[CallSite] = None) -> bool:
    """Whether `fn` leaves `name.attr` as it came: no store on it, no method called on `name`,
    `name` handed to no call (but `site`, the call that hands it to the callee deciding it)."""
    if f"{name}.{attr}" in fn.attr_writes or f"{name}.*" in fn.attr_writes:
        return False
    target = Name("n", name)
    for cs in fn.scope.calls:
        if cs is site:
            continue
        if isinstance(cs.func, Attr) and cs.func.base == target:  # a method of the object itself
            return False
        if target in cs.args or any(value == target for _, value in cs.kwargs):
            return False
    return True


class FieldValues:
    def __init__(self, project: Project, evaluator: Evaluator, defaults: SettingDefaults, no_default: object) -> None:
        self.p = project
        self.ev = evaluator
        self.defaults = defaults
        self.no_default = no_default

    def value(self, expr: Expr, attr: str, ctx: Ctx, site: CallSite) -> object:
        """The constant `expr.attr` holds when the callee `site` calls reads it, or UNKNOWN_FIELD."""
        if isinstance(expr, Name):
            found = self._local(expr.id, attr, ctx, site)
            if found is None:
                return UNKNOWN_FIELD
            expr = found
        if not isinstance(expr, Call) or expr.args or any(name is None for name, _ in expr.kwargs):
            return UNKNOWN_FIELD
        classes = self.ev.eval(expr.func, ctx)
        if len(classes) != 1 or not isinstance(classes[0], ClassRef):
            return UNKNOWN_FIELD
        for name, passed in expr.kwargs:
            if name == attr:
                return passed.value if isinstance(passed, Const) else UNKNOWN_FIELD
        cls = classes[0]
        setting = self._set_from_setting(cls.module, cls.qualname, attr)
        if setting is not None:
            return setting
        if not self._plain_fields(cls.module, cls.qualname, attr):
            return UNKNOWN_FIELD
        default = self.defaults.class_default(cls.module, cls.qualname, attr)
        return UNKNOWN_FIELD if default is self.no_default else default

    def _local(self, name: str, attr: str, ctx: Ctx, site: CallSite) -> Optional[Expr]:
        """The constructor call a local is bound to once, if the function leaves the field alone."""
        fn = self.p.function(ctx.module, ctx.function) if ctx.function is not None else None
        if fn is None or any(p.name == name for p in fn.params):
            return None
        bound = fn.scope.names.get(name, [])
        if len(bound) != 1 or not isinstance(bound[0], Call) or not stable(fn, name, attr, site):
            return None
        return bound[0]

    def _set_from_setting(self, mi: int, qualname: str, attr: str) -> Optional[SettingValue]:
        """`self.attr = settings.FLAG` in the constructor (`__init__`, `__post_init__`), the only
        store on `attr` the class and its project bases make: the setting's default."""
        stores: list[tuple[int, str, Expr]] = []
        for cmi, cq in self.ev.classes.mro(mi, qualname)[0]:
            cls = self.p.klass(cmi, cq)
            if cls is None:
                return None
            for method in cls.methods.values():
                fn = self.p.function(cmi, method)
                for name, value in fn.self_attrs if fn is not None else ():
                    if name == attr:
                        stores.append((cmi, method, value))  # type: ignore[arg-type]
        if len(stores) != 1 or stores[0][1].rsplit(".", 1)[-1] not in ("__init__", "__post_init__"):
            return None
        smi, method, value = stores[0]
        found = self.defaults.argument_default(value, Ctx(smi, method, None))
        return SettingValue(*found) if found is not None else None

    def _plain_fields(self, mi: int, qualname: str, attr: str) -> bool:
        """Keywords are the fields, the field is declared with a type, and nothing recomputes it."""
        declared = False
        for cmi, cq in self.ev.classes.mro(mi, qualname)[0]:
            cls = self.p.klass(cmi, cq)
            if cls is None:
                return False
            if any(hook in cls.methods for hook in _HOOKS):
                return False
            declared = declared or any(isinstance(b, Declared) for b in cls.attrs.get(attr, []))
            for method in cls.methods.values():
                fn = self.p.function(cmi, method)
                if fn is not None and not all(self._harmless(d, attr) for d in fn.decorators):
                    return False
        return declared

    @staticmethod
    def _harmless(decorator: Expr, attr: str) -> bool:
        """A decorator that cannot set `attr`: a plain one, or a validator naming other fields."""
        if isinstance(decorator, Call):
            names = [a.value for a in decorator.args if isinstance(a, Const) and isinstance(a.value, str)]
            return bool(names) and attr not in names and "*" not in names
        if isinstance(decorator, Name):
            return decorator.id in _PLAIN_DECORATORS
        return isinstance(decorator, Attr) and decorator.attr in _PLAIN_DECORATORS

"""Settings defaults: the branch of `if settings.flag:` that runs only when a setting is changed.

A module-level settings object (`settings = Settings()`) whose class declares a constant default
for an attribute (`bundle_assets: bool = Field(default=True)`, `DEBUG = False`, `dataclasses.field(
default=...)`; the field-declaration calls and where they carry the default are the catalogue's
`guards.field_defaults`) runs with that value unless the deployment changes it. Work on the branch
the default rules out (`else:` of `if settings.bundle_assets`) is not every request's: guards.py
keeps it at low confidence with the reason, since an environment may still change the setting.

Only a name bound outside the function (a module's or an import's) is a settings object: a
parameter or a local is request data (a request body model with `dry_run: bool = False` is what
the client sends, not a deployment's choice).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..catalogue.offloads import Offloads
from .ir import Attr, Binding, Call, Const, Declared, Guard, Name
from .parameters import arg_value
from .pathconds import holds, guard_test
from .project import Ctx, Project
from .traits import own_trait
from .values import Instance

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator

_KINDS = frozenset({"truth", "none", "eq", "is"})
_NO_DEFAULT = object()
NO_DEFAULT = _NO_DEFAULT  # what class_default gives for an attribute with no declared constant


def _wording(guard: Guard) -> str:
    """What the setting must be for the branch to run: `false`, `None`, `not 'inline'`..."""
    if guard.kind == "truth":
        return "false" if guard.negated else "true"
    if guard.kind == "none":
        return "set" if guard.negated else "None"
    return f"not {guard.value!r}" if guard.negated else repr(guard.value)


class SettingDefaults:
    def __init__(self, project: Project, evaluator: Evaluator, offloads: Offloads) -> None:
        self.p = project
        self.ev = evaluator
        self.fields = offloads.field_defaults
        self._memo: dict[tuple[int, str, str], object] = {}

    def reason(self, guard: Guard, ctx: Ctx, local: frozenset[str]) -> str:
        """Why the branch under `guard` is not every request's ("" when it may well be)."""
        subject = guard.subject
        if guard.kind not in _KINDS or not isinstance(subject, Attr) or not isinstance(subject.base, Name):
            return ""
        # `self.<trait>` of a configurable class is decided by its declared default, as a parameter
        # by its own (traits.py), after an early exit too (`if self.delete_to_trash: ...; return`).
        trait = subject.base.id in local and own_trait(self.ev, self.fields, subject, ctx)
        if guard.after_exit and not trait:
            # `if not settings.feature: raise HTTPException(503)`: the rest of the function is the
            # feature itself, off by default; when a deployment turns it on, every request pays.
            return ""
        if subject.base.id in local and not trait:
            return ""
        default = self.default(subject.base, subject.attr, ctx)
        if default is _NO_DEFAULT:
            return ""
        assert default is None or isinstance(default, (str, int, float, bool))
        if holds(guard_test(guard), default):
            return ""
        text = f"{subject.base.id}.{subject.attr}"
        return f"runs only when `{text}` is {_wording(guard)}; its default is {default!r}"

    def default(self, base: Name, attr: str, ctx: Ctx) -> object:
        """The constant every instance `base` may be declares for `attr`, or _NO_DEFAULT."""
        values = self.ev.eval(base, ctx)
        if not values or not all(isinstance(v, Instance) for v in values):
            return _NO_DEFAULT
        found: list[object] = []
        for value in values:
            assert isinstance(value, Instance)
            key = (value.module, value.qualname, attr)
            if key not in self._memo:
                self._memo[key] = self._class_default(value.module, value.qualname, attr)
            found.append(self._memo[key])
        first = found[0]
        if any(f is _NO_DEFAULT or f != first or type(f) is not type(first) for f in found):
            return _NO_DEFAULT
        return first

    def class_default(self, mi: int, qualname: str, attr: str) -> object:
        """The constant a class declares for `attr` (memoised), or NO_DEFAULT."""
        key = (mi, qualname, attr)
        if key not in self._memo:
            self._memo[key] = self._class_default(mi, qualname, attr)
        return self._memo[key]

    def _class_default(self, mi: int, qualname: str, attr: str) -> object:
        """The default the first class in lookup order that declares `attr` gives it."""
        for cmi, cq in self.ev.classes.mro(mi, qualname)[0]:
            cls = self.p.klass(cmi, cq)
            if cls is None:
                continue
            if attr in cls.methods:
                return _NO_DEFAULT  # a property or a method: computed, not declared
            bindings = [b for b in cls.attrs.get(attr, []) if not isinstance(b, Declared)]
            if not bindings:
                continue
            ctx = self.p.class_ctx(cmi, cls)
            constants = [self._constant(b, ctx) for b in bindings]
            first = constants[0]
            if any(c is _NO_DEFAULT or c != first or type(c) is not type(first) for c in constants):
                return _NO_DEFAULT
            return first
        return _NO_DEFAULT

    def _constant(self, binding: Binding, ctx: Ctx) -> object:
        if isinstance(binding, Const):
            return binding.value
        if not isinstance(binding, Call) or not self.fields:
            return _NO_DEFAULT
        for target in self.ev.eval(binding.func, ctx):
            name: Optional[str] = self.ev.qualified(target)
            spec = self.fields.match(name) if name is not None else None
            if spec is None:
                continue
            value = arg_value(binding.args, binding.kwargs, spec)
            return value.value if isinstance(value, Const) else _NO_DEFAULT
        return _NO_DEFAULT


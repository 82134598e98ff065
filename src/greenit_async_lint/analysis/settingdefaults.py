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
from ..catalogue.schema import ArgSpec
from .ir import Attr, Binding, Call, Const, Declared, Expr, Guard, Name, Scalar
from .parameters import arg_value
from .pathconds import holds, guard_test
from .project import Ctx, Project
from .traits import own_trait
from .values import External, FunctionRef, Instance, ModuleRef

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
        self.env_reads = offloads.env_reads
        self.words = {**{w: True for w in offloads.env_true}, **{w: False for w in offloads.env_false}}
        self._settings: dict[str, object] = {}

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

    # -- a setting passed as an argument (pathconds.py) ------------------------------------------

    def argument_default(self, expr: Expr, ctx: Ctx) -> Optional[tuple[Scalar, str]]:
        """(the default, its name) of an argument that reads a setting: `settings.FLAG` of a
        module-level settings object or of the framework's settings (`django.conf.settings`, read
        in the project's settings modules), never a local's or a parameter's attribute."""
        if not isinstance(expr, Attr) or not isinstance(expr.base, Name):
            return None
        fn = self.p.function(ctx.module, ctx.function) if ctx.function is not None else None
        if fn is not None and (expr.base.id in fn.scope.names or any(p.name == expr.base.id for p in fn.params)):
            return None
        values = self.ev.eval(expr.base, ctx)
        settings = self.ev.cat.imports.settings_objects
        if values and all(isinstance(v, External) and settings.match(v.name) for v in values):
            default = self._module_setting(expr.attr)
        elif values and all(isinstance(v, ModuleRef) and self.ev.cat.imports.settings_modules.match(
                self.p.mods[v.module].name) for v in values):  # `from app import settings`
            default = self._module_setting(expr.attr, frozenset(v.module for v in values if isinstance(v, ModuleRef)))
        else:
            default = self.default(expr.base, expr.attr, ctx)
        if default is _NO_DEFAULT:
            return None
        assert default is None or isinstance(default, (str, int, float, bool))
        return default, f"{expr.base.id}.{expr.attr}"

    def _module_setting(self, name: str, only: Optional[frozenset[int]] = None) -> object:
        """The default every settings module (or those of `only`) that binds `name` gives it (a
        constant, or a helper declared `-> bool` reading the environment with a default word), or
        _NO_DEFAULT."""
        key = f"{name}@{sorted(only)}" if only is not None else name
        if key not in self._settings:
            found: list[object] = []
            for mi, module in enumerate(self.p.mods):
                if (mi in only) if only is not None else self.ev.cat.imports.settings_modules.match(module.name):
                    ctx = self.p.module_ctx(mi)
                    found.extend(self._env_default(b, ctx) for b in module.scope.names.get(name, []))
            first = found[0] if found else _NO_DEFAULT
            same = all(f is not _NO_DEFAULT and f == first and type(f) is type(first) for f in found)
            self._settings[key] = first if same else _NO_DEFAULT
        return self._settings[key]

    def _env_default(self, binding: Binding, ctx: Ctx) -> object:
        if isinstance(binding, Const):
            return binding.value
        if not isinstance(binding, Call):
            return _NO_DEFAULT
        targets = self.ev.eval(binding.func, ctx)
        if len(targets) != 1 or not isinstance(targets[0], FunctionRef):
            return _NO_DEFAULT
        helper = self.p.function(targets[0].module, targets[0].qualname)
        if helper is None or helper.returns is None:
            return _NO_DEFAULT
        hctx = self.p.defining_ctx(targets[0].module, helper)
        if self.ev.eval(helper.returns, hctx) != (External("ext", "builtins.bool"),):
            return _NO_DEFAULT
        params = [p for p in helper.params if p.kind in ("pos", "kwonly")]
        inside = Ctx(targets[0].module, helper.qualname, None)
        for cs in helper.scope.calls:
            names = [self.ev.qualified(t) for t in self.ev.eval(cs.func, inside)]
            read = next((spec for n in names if n is not None for spec in [self.env_reads.match(n)] if spec), None)
            default = arg_value(cs.args, cs.kwargs, read) if read is not None else None
            if not isinstance(default, Name) or default.id not in {p.name for p in params}:
                continue
            index = next(i for i, p in enumerate(params) if p.name == default.id)
            passed = arg_value(binding.args, binding.kwargs, ArgSpec("", index if params[index].kind == "pos" else None,
                                                                     default.id))
            if passed is None and params[index].default is not None:
                passed = params[index].default
            if isinstance(passed, Const) and isinstance(passed.value, bool):
                return passed.value
            if isinstance(passed, Const) and isinstance(passed.value, str):
                return self.words.get(passed.value.strip().lower(), _NO_DEFAULT)
            return _NO_DEFAULT
        return _NO_DEFAULT

"""Imports by name (rules/imports.yaml): a backend or a plugin chosen by a dotted string.

`importlib.import_module("app.backends.s3")` is that module, and `import_string(
"app.backends.S3Backend")` that class, when the string is a constant, a name bound to one, or a
setting: an attribute of a settings object (`django.conf.settings.SEARCH_BACKEND`) is the string
the project's settings module binds to that name. A name outside the project stays an outside
name (`import_module("requests").get` is `requests.get`). A string built at run time (a setting
read from the environment, an f-string over a variable) is not followed.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..catalogue.imports import ImportCall, ImportRules
from ..catalogue.patterns import tails
from .ir import Attr, Call, Expr, Name
from .parameters import arg_value
from .project import Ctx, Project
from .values import ClassRef, External, Instance, ModuleRef, Value

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator


class DottedImports:
    def __init__(self, project: Project, evaluator: Evaluator, rules: ImportRules) -> None:
        self.p = project
        self.ev = evaluator
        self.rules = rules
        self.tails = tails(rules.calls.patterns())  # None: a glob, any tail may match
        self._settings: dict[str, Optional[str]] = {}

    def call(self, expr: Call, ctx: Ctx) -> Optional[list[Value]]:
        """What an import by name gives, or None when the call is none."""
        func = expr.func
        tail = func.id if isinstance(func, Name) else func.attr if isinstance(func, Attr) else None
        if tail is None or (self.tails is not None and tail not in self.tails):
            return None
        for target in self.ev.eval(func, ctx):
            rule = self.rules.calls.match(target.name) if isinstance(target, External) else None
            if rule is not None:
                return self._imported(rule, expr, ctx)
        return None

    def _imported(self, rule: ImportCall, expr: Call, ctx: Ctx) -> list[Value]:
        found = self._named(rule, expr, ctx)
        if rule.gives != "instance":
            return found
        # A typed trait holds an instance of the class it names.
        return [Instance("inst", v.module, v.qualname) if isinstance(v, ClassRef) else v for v in found]

    def _named(self, rule: ImportCall, expr: Call, ctx: Ctx) -> list[Value]:
        arg = arg_value(expr.args, expr.kwargs, rule.name)
        if arg is None:
            return []
        text = self.string(arg, ctx)
        if text is None:
            return list(self.ev.eval(arg, ctx)) if rule.passes_objects else []
        if rule.gives == "module":
            found = self.p.find_module(text, ctx.module)
            return [ModuleRef("mod", found)] if found is not None else [External("ext", text)]
        module, _, attr = text.rpartition(".")
        if not module:
            return []
        found = self.p.find_module(module, ctx.module)
        if found is None:
            return [External("ext", text)]
        return self.ev.attr(ModuleRef("mod", found), attr)

    def string(self, expr: Expr, ctx: Ctx) -> Optional[str]:
        """The dotted name an argument holds: a constant, a name bound to one, a setting."""
        text = self.p.const_str(expr, ctx)
        if text is not None or not isinstance(expr, Attr):
            return text
        for base in self.ev.eval(expr.base, ctx):
            if isinstance(base, ModuleRef):  # `from app import settings; settings.BACKEND`
                return self.p.const_str(Name("n", expr.attr), self.p.module_ctx(base.module))
            if isinstance(base, External) and self.rules.settings_objects.match(base.name):
                return self.setting(expr.attr)
        return None

    def setting(self, name: str) -> Optional[str]:
        """The string the project's settings modules bind to `name`, if one does."""
        if name not in self._settings:
            found: Optional[str] = None
            for mi, module in enumerate(self.p.mods):
                if self.rules.settings_modules.match(module.name):
                    found = self.p.const_str(Name("n", name), self.p.module_ctx(mi))
                    if found is not None:
                        break
            self._settings[name] = found
        return self._settings[name]

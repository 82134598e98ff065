"""Framework hooks a call runs without naming them: `form.is_valid()` runs the form's `clean_*`
methods, `Photo.objects.create()` runs Photo's `save()` override and its signals. The rules are
data (`implicit_calls` in rules/frameworks/); this module follows them into the project."""
from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Iterable, Union

from .effects import Effect, Hop
from .ir import Attr, CallSite
from .project import Ctx
from .values import ClassKey, ClassRef, External, Instance, Value

if TYPE_CHECKING:  # pragma: no cover
    from .reach import Reach


class FrameworkHooks:
    def __init__(self, reach: "Reach") -> None:
        self.r = reach
        self.rules = [rule for fw in reach.cat.frameworks for rule in fw.implicit_calls]
        self.methods = frozenset(m for rule in self.rules for m in rule.methods)

    def hook_effects(self, classes: list[ClassKey], patterns: Iterable[str], hop: Hop) -> list[Effect]:
        """Effects of the project methods matching `patterns` in these classes (in lookup order), as
        hooks. A method a class earlier in the order overrides is not run: the override is, and
        the override's own `super().validate_owner(field)` is followed as an ordinary call."""
        out: list[Effect] = []
        overridden: set[str] = set()
        for cmi, cq in classes:
            cls = self.r.p.klass(cmi, cq)
            if cls is None:
                continue
            for name, mq in cls.methods.items():
                if name in overridden:
                    continue
                overridden.add(name)
                if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
                    fn = self.r.p.function(cmi, mq)
                    hook = Hop(self.r.p.mods[cmi].path, fn.line if fn else cls.line, 1, f"{cq}.{name}")
                    receiver = None if (cmi, cq) == classes[0] else classes[0]  # `self` is the instance's class
                    out.extend(self.r.prefixed(hop, self.r.prefixed(hook, self.r.function_effects(cmi, mq, receiver))))
        return out

    def implicit_effects(self, cs: CallSite, ctx: Ctx, hop: Hop) -> list[Effect]:
        """Framework hooks a call runs: `form.is_valid()` runs the form's `clean_*` methods,
        `Photo.objects.create()` runs Photo's `save()` override."""
        func = cs.func
        # A service lookup runs the factory that builds the service (locators.py).
        out: list[Effect] = [e for f in self.r.ev.locators.factories(cs, ctx)
                             for e in self.r.prefixed(hop, self.r.callee_effects(f))]
        if not self.rules or not isinstance(func, Attr):
            return out
        for target in self.r.ev.eval(func, ctx):
            if isinstance(target, External) and target.subject is not None:
                for rule in self.rules:
                    if rule.names.match(target.name):
                        out.extend(self.hook_effects(self.r.ev.classes.mro(*target.subject)[0], rule.calls, hop))
        for base in self.r.ev.eval(func.base, ctx) if func.attr in self.methods else ():
            if isinstance(base, (Instance, ClassRef)):
                out.extend(self.inherited_call_effects(base, func.attr, hop))
        return out

    def inherited_call_effects(self, base: Union[Instance, ClassRef], attr: str, hop: Hop) -> list[Effect]:
        """What calling an outside-defined method `attr` on a project instance runs: the hooks
        the framework calls from it, and for a model form's save, the model's save and signals."""
        if attr not in self.methods:
            return []  # no rule runs hooks from it (most calls on a project instance)
        if any(not isinstance(v, External) for v in self.r.ev.classes.attr(base.module, base.qualname, attr, True)):
            return []  # the project defines it: followed as an ordinary call
        classes, external = self.r.ev.classes.mro(base.module, base.qualname)
        out: list[Effect] = []
        for rule in self.rules:
            if attr not in rule.methods or not any(rule.on.match(e) for e in external):
                continue
            out.extend(self.hook_effects(classes, rule.calls, hop))
            for model in self.attribute_path(base, rule.model):
                model_classes = self.r.ev.classes.mro(model.module, model.qualname)[0]
                methods = tuple(name.rsplit(".", 1)[-1] for name in rule.model_calls)
                out.extend(self.hook_effects(model_classes, methods, hop))
                for rmi, rq, line in self.r.signals.triggered_by(list(rule.model_calls), set(model_classes)):
                    receiver = Hop(self.r.p.mods[rmi].path, line, 1, rq)
                    out.extend(self.r.prefixed(hop, self.r.prefixed(receiver, self.r.function_effects(rmi, rq))))
        return out

    def attribute_path(self, base: Union[Instance, ClassRef], path: str) -> list[ClassRef]:
        """The project classes at a dotted class-attribute path (`Meta.model` of a model form)."""
        if not path:
            return []
        values: list[Value] = [ClassRef("cls", base.module, base.qualname)]
        for part in path.split("."):
            values = [v for c in values if isinstance(c, ClassRef)
                      for v in self.r.ev.classes.attr(c.module, c.qualname, part, False)]
        return [v for v in values if isinstance(v, ClassRef)]


"""Evaluation of expressions to static values (see values.py): what an expression may refer to. It is
flow-insensitive (every assignment of a name counts), memoised (by context, then expression: lighter
than a pair per entry; equal results one object, sharing.py), and guarded against recursion; an
expression it cannot follow evaluates to no value."""
from __future__ import annotations

from typing import Iterable, Optional, TypeVar

from ..catalogue import Catalogue
from ..catalogue.load import Queue
from ..catalogue.patterns import PatternTable
from .choices import one_of, setting_default
from .classes import ClassLookup
from .hierarchy import function_returns
from .ir import (Arg, Attr, Binding, Call, ClassDef, Const, Declared, Def, DictItems, Element, Expr, FromImport, Function,
                 Import, Items, Name, OneOf, Star, Subscript)
from .project import BoundBuiltin, BoundParam, Ctx, ImportedExternal, ImportedModule, Project
from .index import ProjectIndex
from .instancerules import InstanceRules
from .lineage import Relations
from .locators import Locators
from .parameters import Parameters, arg_value as arg_value  # arg_value: where the finders import it from
from .passthrough import PassThrough
from .registries import RegistryIndex
from .generics import class_of
from .subscripts import subscript
from .traits import Defaults, field_default
from .sharing import Results
from .values import (Candidates, CandidatesGet, ClassRef, External, FunctionAttr, FunctionRef, Instance, MethodRef,
                     ModuleRef, Value, dedupe, pick)

_T = TypeVar("_T")
PARTIAL, GETATTR = External("ext", "functools.partial"), External("ext", "builtins.getattr")


class Evaluator:
    def __init__(self, project: Project, catalogue: Catalogue, index: Optional[ProjectIndex] = None) -> None:
        self.p = project
        # Call sites by tail, decorated definitions, stores: one index per run, shared by every lookup.
        self.index = index if index is not None else ProjectIndex(project)
        self.cat = catalogue
        self.types = catalogue.offloads.types
        self.instance_rules = InstanceRules(catalogue)
        self.classes = ClassLookup(project, self)
        self.mro = self.classes.mro
        self.class_attr = self.classes.attr
        self.const_str = project.const_str
        self.strings = project.strings
        self.parameters = Parameters(project, self, [m for fw in catalogue.frameworks for m in fw.dependency_markers])
        # Dependency markers, under the names the handler finder calls them by.
        self.annotation_parts = self.parameters.annotation_parts
        self.dependency_marker = self.parameters.dependency_marker
        self.registries = RegistryIndex(project, self)
        self.locators = Locators(project, self, catalogue)  # find_service(I), request.<added>, import_module
        self.relations = Relations(project, self, catalogue)  # `job.items`: a foreign key's children (lineage.py)
        self.defaults = Defaults(project, self, catalogue.offloads.field_defaults)  # `Type(default_value=X)`
        self.handed = PassThrough(self)  # `def get_or_404(fn, *a): return fn(*a)`: what this call's `fn` gives
        self._memo: dict[Ctx, dict[Expr, tuple[Value, ...]]] = {}
        self._shared = Results()  # equal results, one object (sharing.py)
        self._returns: dict[tuple[int, str, object], tuple[Value, ...]] = {}

    # -- entry points -------------------------------------------------------------------------

    def eval(self, expr: Expr, ctx: Ctx) -> tuple[Value, ...]:
        memo = self._memo.get(ctx) or self._memo.setdefault(ctx, {})
        found = memo.get(expr)
        if found is not None:
            return found  # (the empty result while `expr` is being evaluated: a cycle stops there)
        # An expression is hashed at each dict operation (its tuples do not keep their hash): one
        # memo entry, first the empty result, serves as the mark of an evaluation under way too.
        memo[expr] = ()
        try:
            memo[expr] = result = self._shared(dedupe(self._eval(expr, ctx)))
        except BaseException:
            del memo[expr]
            raise
        return result

    def qualified(self, value: Value) -> Optional[str]:
        return value.name if isinstance(value, External) else None

    def dotted_name(self, value: Value) -> Optional[str]:
        """The importable name of a value, project ones included (`django.urls.path` when the
        project being checked is Django itself)."""
        if isinstance(value, External):
            return value.name
        if isinstance(value, (FunctionRef, MethodRef, ClassRef)):
            return f"{self.p.mods[value.module].name}.{value.qualname}"
        return None

    # -- expressions --------------------------------------------------------------------------

    def _eval(self, expr: Expr, ctx: Ctx) -> Iterable[Value]:
        if isinstance(expr, Name):
            return self.name(expr.id, ctx)
        if isinstance(expr, Attr):
            parent = self.classes.super_attr(expr, ctx)  # `super().save`: the next class's method
            if parent is not None:
                return parent
            bases = self.eval(expr.base, ctx)
            added = self.locators.extension(expr, bases)  # `request.http` added at start-up
            return added if added is not None else [v for base in bases for v in self.attr(base, expr.attr)]
        if isinstance(expr, Call):
            return self.call_expr(expr, ctx)
        if isinstance(expr, Def):
            return [FunctionRef("fn", ctx.module, expr.qualname)]
        if isinstance(expr, OneOf):  # a choice between queueing and running is the queue (choices.py)
            return one_of(self, expr.options, ctx)
        if isinstance(expr, Items):
            return [Candidates("cands", tuple(v for item in expr.items for v in self.eval(item, ctx)), None)]
        if isinstance(expr, DictItems):
            values: list[Value] = []
            keys: Optional[list[object]] = []
            for key, item in zip(expr.keys, expr.values):
                found = self.eval(item, ctx)
                values.extend(found)
                if keys is not None and isinstance(key, Const):  # each value keeps its key, however many
                    keys.extend([key.value] * len(found))
                else:
                    keys = None
            return [Candidates("cands", tuple(values), tuple(keys) if keys is not None else None)]  # type: ignore[arg-type]
        if isinstance(expr, Subscript):
            return subscript(self, expr, ctx)
        return []

    def call_expr(self, expr: Call, ctx: Ctx) -> list[Value]:
        found = self.locators.lookup(expr, ctx)  # `request.find_service(IFace)`: what was registered
        if found is not None or (found := setting_default(self, expr, ctx)) is not None:
            return found  # settings.get("db.factory", make_session): its default (choices.py)
        args = expr.args
        out: list[Value] = []
        for target in self.eval(expr.func, ctx):
            if target == PARTIAL and args:
                out.extend(self.eval_arg(args[0], ctx))
            elif isinstance(target, CandidatesGet) and args:  # REGISTRY.get("pdf", default)
                out.extend(pick(target, args[0]))
                out.extend(v for default in args[1:2] for v in self.eval_arg(default, ctx))
            elif isinstance(target, External) and args and self.instance_rules.names("first_arg", target.name):
                out.extend(Instance("inst", v.module, v.qualname) for v in self.eval_arg(args[0], ctx)
                           if isinstance(v, ClassRef))
            elif target == GETATTR and len(args) >= 2:
                attr = self.const_str(args[1], ctx) if not isinstance(args[1], Star) else None
                if attr:
                    out.extend(v for base in self.eval_arg(args[0], ctx) for v in self.attr(base, attr))
            elif (default := field_default(self.defaults.fields, target, args, expr.kwargs)) is not None:
                out.extend(self.defaults.values(default, ctx))  # what an instance reads is the declared default
            else:
                out.extend(self.returns(target))
                if isinstance(target, (FunctionRef, MethodRef)):
                    out.extend(self.handed.returned(target, expr, ctx))
        return out

    def eval_arg(self, arg: Arg, ctx: Ctx) -> tuple[Value, ...]:
        """A positional argument's values; `*items` gives none (its elements are not followed)."""
        return () if isinstance(arg, Star) else self.eval(arg, ctx)

    def name(self, name: str, ctx: Ctx) -> list[Value]:
        out: list[Value] = []
        for bound in self.p.bindings(name, ctx):
            if isinstance(bound, BoundBuiltin):
                out.append(External("ext", f"builtins.{bound.name}"))
            elif isinstance(bound, BoundParam):
                out.extend(self.parameters.values(bound.ctx, *bound.param))
            elif bound.ctx.function is None and isinstance(bound.binding, (DictItems, Items)):
                # A module-level registry: what the module puts in it, and what is stored into it
                # from anywhere (`REGISTRY[name] = fn`, a registering decorator).
                extra = self.registries.extra(bound.ctx.module, name)
                for value in self.binding(bound.binding, bound.ctx):
                    out.append(Candidates("cands", value.values + tuple(extra), value.keys if not extra else None)
                               if isinstance(value, Candidates) else value)
            else:
                out.extend(self.binding(bound.binding, bound.ctx))
        return out

    def binding(self, expr: Binding, ctx: Ctx) -> list[Value]:
        if isinstance(expr, Import):
            return [self.imported(expr.module, ctx.module)]
        if isinstance(expr, FromImport):
            return self.from_import(expr.module, expr.name, ctx.module)
        if isinstance(expr, ClassDef):
            return [ClassRef("cls", ctx.module, expr.qualname)]
        if isinstance(expr, Element):  # a registry's entries, a queryset's rows, a relation's children
            return self.relations.elements(expr, ctx)
        if isinstance(expr, Declared):
            cls = class_of(expr.annotation)
            if cls is not None:
                return [v for v in self.eval(cls, ctx) if isinstance(v, (ClassRef, External))]
            return self.instances(self.eval(expr.annotation, ctx))
        return list(self.eval(expr, ctx))

    def imported(self, module: str, near: int) -> Value:
        found = self.p.resolve_import(module, None, near)
        if isinstance(found, ImportedModule):
            return ModuleRef("mod", found.module)
        return External("ext", found.name if isinstance(found, ImportedExternal) else module)

    def from_import(self, module: str, name: str, near: int) -> list[Value]:
        found = self.p.resolve_import(module, name, near)
        if isinstance(found, ImportedModule):
            return [ModuleRef("mod", found.module)]
        if isinstance(found, ImportedExternal):
            return [External("ext", found.name)]
        owner, gname = found.where
        return list(self.eval(Name("n", gname), self.p.module_ctx(owner)))

    # -- types --------------------------------------------------------------------------------

    def instances(self, types: Iterable[Value]) -> list[Value]:
        out: list[Value] = []
        for t in types:
            if isinstance(t, ClassRef):  # (a declared default subclass runs where only its base is named)
                out.extend(Instance("inst", *k) for k in self.defaults.implementation((t.module, t.qualname)))
            elif isinstance(t, External):
                out.append(External("ext", self.types.get(t.name, t.name)))
            elif isinstance(t, Instance):
                out.append(t)
            elif isinstance(t, Candidates):  # a `Dict[str, Model]` holds instances of Model
                out.append(Candidates("cands", tuple(self.instances(t.values)), None))
        return out

    # -- attributes, classes, calls -----------------------------------------------------------

    def attr(self, base: Value, attr: str) -> list[Value]:
        if isinstance(base, External):
            return [External("ext", f"{base.name}.{attr}", base.subject)]
        if isinstance(base, ModuleRef):
            module = self.p.mods[base.module]
            if attr in module.scope.names:
                # A package's own binding shadows its submodule: `from .follow import follow` in
                # views/__init__.py makes `views.follow` the function, as Python does.
                own: list[Value] = [v for v in self.eval(Name("n", attr), self.p.module_ctx(base.module))
                                    if not isinstance(v, ModuleRef)]
                if own:
                    return own
            sub = self.p.find_module(f"{module.name}.{attr}", base.module)
            if sub is not None:
                return [ModuleRef("mod", sub)]
            return list(self.eval(Name("n", attr), self.p.module_ctx(base.module)))
        if isinstance(base, (ClassRef, Instance)):  # (an ORM relationship of an instance: its related rows)
            found = self.classes.attr(base.module, base.qualname, attr, isinstance(base, Instance))
            return self.relations.related(base, attr, found) if isinstance(base, Instance) else found
        if isinstance(base, (FunctionRef, MethodRef)):
            return [FunctionAttr("fattr", base.module, base.qualname, attr)]
        if isinstance(base, Candidates) and attr in ("get", "pop", "setdefault", "values", "__getitem__"):
            return [CandidatesGet("candsget", base.values, base.keys)]
        return []

    def returns(self, target: Value) -> tuple[Value, ...]:
        """What calling `target` gives back."""
        if isinstance(target, ClassRef):
            return (Instance("inst", target.module, target.qualname),)
        if isinstance(target, External):
            if target.subject is not None and self.instance_rules.names("returns", target.name):
                return (Instance("inst", *target.subject),)
            return (External("ext", self.types.get(target.name, target.name), target.subject),)
        if isinstance(target, CandidatesGet):
            return target.values
        if isinstance(target, Candidates):
            return dedupe(v for t in target.values for v in self.returns(t))
        if isinstance(target, FunctionAttr):
            fn = self.p.function(target.module, target.qualname)
            queue = self.task_queue(target.module, fn) if fn is not None else None
            if queue is not None and target.attr in queue.send_methods and queue.result_type:
                return (External("ext", queue.result_type),)
            return ()
        if not isinstance(target, (FunctionRef, MethodRef)):
            return ()
        receiver = target.receiver if isinstance(target, MethodRef) else None
        key = (target.module, target.qualname, receiver)
        found = self._returns.get(key)
        if found is not None:
            return found
        self._returns[key] = ()
        fn = self.p.function(target.module, target.qualname)
        out: list[Value] = []
        if fn is not None:
            # Returned values merged with the declared type: a factory `-> Base` gives its subclasses.
            out = function_returns(self, target.module, fn, receiver)
        result = dedupe(out)
        self._returns[key] = result
        return result

    def decorated_by(self, mi: int, fn: Function, table: PatternTable[_T]) -> Optional[_T]:
        """The value `table` gives the first of the function's decorators it matches, if any."""
        if not fn.decorators:
            return None
        ctx = self.p.defining_ctx(mi, fn)
        for dec in fn.decorators:
            target = dec.func if isinstance(dec, Call) else dec
            for value in self.eval(target, ctx):
                name = self.qualified(value)
                if name is not None:
                    found = table.match(name)
                    if found is not None:
                        return found
        return None

    def task_queue(self, mi: int, fn: Function) -> Optional[Queue]:
        """The queue whose task decorator marks this function, if any."""
        return self.decorated_by(mi, fn, self.cat.offloads.task_decorators)

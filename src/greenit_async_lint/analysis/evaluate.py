"""Static values: what an expression may refer to, as far as names, imports and types tell.

Values are tuples:
    ("mod", mi)                a project module
    ("fn", mi, qualname)       a project function (or unbound method)
    ("meth", mi, qualname[, receiver])
                               a project method bound to an instance (its `self` is supplied);
                               `receiver` is the instance's class when it is a subclass of the
                               method's class
    ("cls", mi, qualname)      a project class
    ("inst", mi, qualname)     an instance of a project class
    ("ext", dotted[, subject])  something outside the project: a module attribute, or an instance of
                               an outside class (`httpx.Client()` is ("ext", "httpx.Client"), so its
                               `.get` is ("ext", "httpx.Client.get")); `subject` is the project class
                               an inherited outside attribute was reached from (`Report.objects` is
                               ("ext", "django.db.models.Model.objects", (mi, "Report")))
    ("fattr", mi, qualname, a) an attribute of a project function (`task.delay`)
    ("cands", values, keys)    a container of values (dict or list of callables: a registry);
                               keys are the dict's constant keys, aligned with values, or None
    ("candsget", values, keys) a bound lookup on such a container (`REGISTRY.get`)

Evaluation is flow-insensitive (every assignment of a name counts), memoised, and guarded
against recursion; an expression it cannot follow evaluates to no value.
"""
from __future__ import annotations

from typing import Iterable, Optional

from ..catalogue import Catalogue
from .classes import ClassLookup
from .ir import Expr, Function
from ..catalogue.patterns import PatternTable
from .project import Ctx, Project
from .index import ProjectIndex
from .registries import RegistryIndex
from ..catalogue.schema import ArgSpec

Value = tuple
_MAX_VALUES = 12  # a name bound to more than this many things is not worth following further
_TYPING_WRAPPERS = {"Optional", "Annotated", "Union", "Type", "type", "ClassVar", "Final", "Required", "NotRequired"}


def arg_value(args: tuple, kwargs: tuple, spec: ArgSpec) -> Optional[Expr]:
    """The argument a call passes at `spec` (keyword first, then position)."""
    if spec.kwarg is not None:
        for name, value in kwargs:
            if name == spec.kwarg:
                return value
    if spec.arg is not None and spec.arg < len(args):
        value = args[spec.arg]
        return None if value[0] == "*" else value
    return None


def pick(container: Value, index: Expr) -> tuple:
    """The values a constant key selects from a registry; all of them for any other key."""
    values, keys = container[1], container[2]
    if keys is not None and index[0] == "k":
        chosen = tuple(v for k, v in zip(keys, values) if k == index[1])
        if chosen:
            return chosen
    return values


def _dedupe(values: Iterable[Value]) -> tuple:
    out: list[Value] = []
    seen: set = set()
    for value in values:
        if value not in seen:
            seen.add(value)
            out.append(value)
            if len(out) >= _MAX_VALUES:
                break
    return tuple(out)


class Evaluator(ClassLookup):
    def __init__(self, project: Project, catalogue: Catalogue, index: Optional[ProjectIndex] = None) -> None:
        self.p = project
        # Call sites by tail, decorated definitions, stores: one index per run, shared by the
        # registries, signals and handler finding.
        self.index = index if index is not None else ProjectIndex(project)
        self.cat = catalogue
        self.types = catalogue.offloads.types
        self.markers: list[tuple[PatternTable[bool], ArgSpec, bool]] = [
            m for fw in catalogue.frameworks for m in fw.dependency_markers]
        self.instance_rules = [fw.instances for fw in catalogue.frameworks]
        self.registries = RegistryIndex(project, self)
        self._memo: dict = {}
        self._busy: set = set()
        self._mro: dict = {}
        self._returns: dict = {}

    # -- entry points -------------------------------------------------------------------------

    def eval(self, expr: Expr, ctx: Ctx) -> tuple:
        key = (ctx, expr)
        found = self._memo.get(key)
        if found is not None:
            return found
        if key in self._busy:
            return ()
        self._busy.add(key)
        try:
            result = _dedupe(self._eval(expr, ctx))
        finally:
            self._busy.discard(key)
        self._memo[key] = result
        return result

    def qualified(self, value: Value) -> Optional[str]:
        return value[1] if value[0] == "ext" else None

    def dotted_name(self, value: Value) -> Optional[str]:
        """The importable name of a value, project ones included (`django.urls.path` when the
        project being checked is Django itself)."""
        if value[0] == "ext":
            return value[1]
        if value[0] in ("fn", "meth", "cls"):
            return f"{self.p.mods[value[1]].name}.{value[2]}"
        return None

    def const_str(self, expr: Optional[Expr], ctx: Ctx) -> Optional[str]:
        if expr is None:
            return None
        if expr[0] == "k" and isinstance(expr[1], str):
            return expr[1]
        if expr[0] == "n":
            for kind, detail, bctx in self.p.bindings(expr[1], ctx):
                if kind == "expr" and detail[0] == "k" and isinstance(detail[1], str):
                    return detail[1]
        return None

    def strings(self, exprs: Iterable[Expr], ctx: Ctx, depth: int = 0) -> tuple[str, ...]:
        """String constants an argument list carries (a command line), following local names once."""
        out: list[str] = []
        for expr in exprs:
            kind = expr[0]
            if kind == "k" and isinstance(expr[1], str):
                out.append(expr[1])
            elif kind == "t" and depth < 2:
                out.extend(self.strings(expr[1], ctx, depth + 1))
            elif kind == "*" and depth < 2:
                out.extend(self.strings((expr[1],), ctx, depth + 1))
            elif kind == "n" and depth < 2:
                for bkind, detail, bctx in self.p.bindings(expr[1], ctx):
                    if bkind == "expr" and detail[0] in ("k", "t"):
                        out.extend(self.strings((detail,), bctx, depth + 1))
        return tuple(out)

    # -- expressions --------------------------------------------------------------------------

    def _eval(self, expr: Expr, ctx: Ctx) -> Iterable[Value]:
        kind = expr[0]
        if kind == "n":
            return self.name(expr[1], ctx)
        if kind == "a":
            return [v for base in self.eval(expr[1], ctx) for v in self.attr(base, expr[2])]
        if kind == "c":
            return self.call_expr(expr, ctx)
        if kind == "def":
            return [("fn", ctx[0], expr[1])]
        if kind == "u":
            return [v for option in expr[1] for v in self.eval(option, ctx)]
        if kind == "t":
            return [("cands", tuple(v for item in expr[1] for v in self.eval(item, ctx)), None)]
        if kind == "d":
            values: list[Value] = []
            keys: Optional[list] = []
            for key, item in zip(expr[1], expr[2]):
                found = self.eval(item, ctx)
                values.extend(found)
                if keys is not None and key[0] == "k" and len(found) == 1:
                    keys.append(key[1])
                else:
                    keys = None
            return [("cands", tuple(values), tuple(keys) if keys is not None else None)]
        if kind == "s":
            return self.subscript(expr, ctx)
        return []

    def subscript(self, expr: Expr, ctx: Ctx) -> list[Value]:
        out: list[Value] = []
        for base in self.eval(expr[1], ctx):
            if base[0] == "cands":
                out.extend(pick(base, expr[2]))
            elif base[0] == "ext" and len(base) > 2:
                out.append(base)  # a slice of a queryset is a queryset
            elif base[0] == "ext" and base[1].rsplit(".", 1)[-1] in _TYPING_WRAPPERS:
                index = expr[2]
                first = index[1][0] if index[0] == "t" and index[1] else index
                out.extend(self.eval(first, ctx))
        return out

    def call_expr(self, expr: Expr, ctx: Ctx) -> list[Value]:
        _, func, args, kwargs = expr
        out: list[Value] = []
        for target in self.eval(func, ctx):
            if target == ("ext", "functools.partial") and args:
                out.extend(self.eval(args[0], ctx))
            elif target[0] == "candsget" and args:  # REGISTRY.get("pdf", default)
                out.extend(pick(target, args[0]))
                out.extend(v for default in args[1:2] for v in self.eval(default, ctx))
            elif target[0] == "ext" and args and any(r.first_arg.match(target[1]) for r in self.instance_rules):
                out.extend(("inst", v[1], v[2]) for v in self.eval(args[0], ctx) if v[0] == "cls")
            elif target == ("ext", "builtins.getattr") and len(args) >= 2:
                attr = self.const_str(args[1], ctx)
                if attr:
                    out.extend(v for base in self.eval(args[0], ctx) for v in self.attr(base, attr))
            else:
                out.extend(self.returns(target))
        return out

    def name(self, name: str, ctx: Ctx) -> list[Value]:
        out: list[Value] = []
        for kind, detail, bctx in self.p.bindings(name, ctx):
            if kind == "builtin":
                out.append(("ext", f"builtins.{detail}"))
            elif kind == "param":
                out.extend(self.param(bctx, *detail))
            elif bctx[1] is None and detail[0] in ("d", "t"):
                # A module-level registry: what the module puts in it, and what is stored into it
                # from anywhere (`REGISTRY[name] = fn`, a registering decorator).
                extra = self.registries.extra(bctx[0], name)
                for value in self.binding(detail, bctx):
                    out.append(("cands", value[1] + tuple(extra), value[2] if not extra else None)
                               if value[0] == "cands" else value)
            else:
                out.extend(self.binding(detail, bctx))
        return out

    def binding(self, expr: Expr, ctx: Ctx) -> list[Value]:
        kind = expr[0]
        if kind == "imp":
            return [self.imported(expr[1], None, ctx[0])]
        if kind == "from":
            return self.from_import(expr[1], expr[2], ctx[0])
        if kind == "class":
            return [("cls", ctx[0], expr[1])]
        if kind == "iter":
            out: list[Value] = []
            for c in self.eval(expr[1], ctx):
                if c[0] == "cands":
                    out.extend(c[1])
                elif c[0] == "ext" and len(c) > 2 and any(r.iterates.match(c[1]) for r in self.instance_rules):
                    out.append(("inst", *c[2]))
            return out
        if kind == "ann":
            return self.instances(self.eval(expr[1], ctx))
        return list(self.eval(expr, ctx))

    def imported(self, module: str, name: Optional[str], near: int) -> Value:
        kind, detail = self.p.resolve_import(module, name, near)
        if kind == "mod":
            return ("mod", detail)
        return ("ext", detail)

    def from_import(self, module: str, name: str, near: int) -> list[Value]:
        kind, detail = self.p.resolve_import(module, name, near)
        if kind == "mod":
            return [("mod", detail)]
        if kind == "ext":
            return [("ext", detail)]
        owner, gname = detail
        values = self.eval(("n", gname), (owner, None))
        return list(values) if values else []

    # -- parameters and types -----------------------------------------------------------------

    def param(self, ctx: Ctx, param, index: int) -> list[Value]:
        mi, fq = ctx[0], ctx[1]
        fn = self.p.function(mi, fq)
        if fn is None:
            return []
        if index == 0 and fn.cls is not None and fn.kind in ("method", "property", "classmethod"):
            owner = ctx[2] if len(ctx) > 2 else (mi, fn.cls)
            return [("cls" if fn.kind == "classmethod" else "inst", *owner)]
        dctx = self.p.defining_ctx(mi, fn)
        out: list[Value] = []
        if param.default is not None:
            provider = self.dependency_provider(param.default, dctx)
            if provider is not None:
                out.extend(v for p in self.eval(provider, dctx) for v in self.returns(p))
        if param.annotation is not None:
            for ann, actx in self.annotation_parts(param.annotation, dctx):
                provider = self.dependency_provider(ann, actx)
                if provider is not None:
                    out.extend(v for p in self.eval(provider, actx) for v in self.returns(p))
            if not out:
                out.extend(self.instances(self.eval(param.annotation, dctx)))
        if not out and param.default is not None:
            out.extend(self.eval(param.default, dctx))
        return out

    def annotation_parts(self, ann: Expr, ctx: Ctx, depth: int = 0) -> list[tuple[Expr, Ctx]]:
        """The metadata of `Annotated[T, Depends(...)]`, each with the context it is written in;
        follows aliases such as `CurrentUser = Annotated[dict, Depends(get_user)]`."""
        if ann[0] == "s" and ann[2][0] == "t":
            for base in self.eval(ann[1], ctx):
                if base[0] == "ext" and base[1].endswith("Annotated"):
                    return [(part, ctx) for part in ann[2][1][1:]]
            return []
        if ann[0] == "n" and depth < 4:
            for kind, detail, bctx in self.p.bindings(ann[1], ctx):
                if kind != "expr":
                    continue
                if detail[0] == "s":
                    return self.annotation_parts(detail, bctx, depth + 1)
                if detail[0] == "from":
                    rkind, found = self.p.resolve_import(detail[1], detail[2], bctx[0])
                    if rkind == "global":
                        return self.annotation_parts(("n", found[1]), (found[0], None), depth + 1)
        return []

    def dependency_marker(self, expr: Expr, ctx: Ctx) -> Optional[tuple]:
        """When `expr` is a dependency marker call (`Depends(get_service)`): (provider expression or
        None for a bare `Depends()`, whose provider is the annotation; whether a plain `def`
        provider runs in a worker thread)."""
        if expr[0] != "c" or not self.markers:
            return None
        for target in self.eval(expr[1], ctx):
            name = self.qualified(target)
            if name is None:
                continue
            for table, spec, threadpool in self.markers:
                if table.match(name):
                    return (arg_value(expr[2], expr[3], spec), threadpool)
        return None

    def dependency_provider(self, expr: Expr, ctx: Ctx) -> Optional[Expr]:
        marker = self.dependency_marker(expr, ctx)
        return marker[0] if marker is not None else None

    def instances(self, types: Iterable[Value]) -> list[Value]:
        out: list[Value] = []
        for t in types:
            if t[0] == "cls":
                out.append(("inst", t[1], t[2]))
            elif t[0] == "ext":
                out.append(("ext", self.types.get(t[1], t[1])))
            elif t[0] in ("inst",):
                out.append(t)
        return out

    # -- attributes, classes, calls -----------------------------------------------------------

    def attr(self, base: Value, attr: str) -> list[Value]:
        kind = base[0]
        if kind == "ext":
            return [("ext", f"{base[1]}.{attr}", *base[2:])]
        if kind == "mod":
            module = self.p.mods[base[1]]
            sub = self.p.find_module(f"{module.name}.{attr}", base[1])
            if sub is not None:
                return [("mod", sub)]
            return list(self.eval(("n", attr), (base[1], None)))
        if kind in ("cls", "inst"):
            return self.class_attr(base[1], base[2], attr, kind == "inst")
        if kind in ("fn", "meth"):
            return [("fattr", base[1], base[2], attr)]
        if kind == "cands" and attr in ("get", "pop", "setdefault", "values", "__getitem__"):
            return [("candsget", base[1], base[2])]
        return []

    def returns(self, target: Value) -> tuple:
        """What calling `target` gives back."""
        kind = target[0]
        if kind == "cls":
            return (("inst", target[1], target[2]),)
        if kind == "ext":
            if len(target) > 2 and any(r.returns.match(target[1]) for r in self.instance_rules):
                return (("inst", *target[2]),)
            return (("ext", self.types.get(target[1], target[1]), *target[2:]),)
        if kind == "candsget":
            return target[1]
        if kind == "cands":
            return _dedupe(v for t in target[1] for v in self.returns(t))
        if kind == "fattr":
            fn = self.p.function(target[1], target[2])
            queue = self.task_queue(target[1], fn) if fn is not None else None
            if queue is not None and target[3] in queue.send_methods and queue.result_type:
                return (("ext", queue.result_type),)
            return ()
        if kind not in ("fn", "meth"):
            return ()
        key = target[1:]
        found = self._returns.get(key)
        if found is not None:
            return found
        self._returns[key] = ()
        fn = self.p.function(target[1], target[2])
        out: list[Value] = []
        if fn is not None:
            if fn.returns is not None:
                out.extend(self.instances(self.eval(fn.returns, self.p.defining_ctx(target[1], fn))))
            if not out:
                ctx = (target[1], fn.qualname, *target[3:])
                out.extend(v for e in fn.return_values for v in self.eval(e, ctx))
        result = _dedupe(out)
        self._returns[key] = result
        return result

    def decorated_by(self, mi: int, fn: Function, table: PatternTable):
        """The value `table` gives the first of the function's decorators it matches, if any."""
        if not fn.decorators:
            return None
        ctx = self.p.defining_ctx(mi, fn)
        for dec in fn.decorators:
            target = dec[1] if dec[0] == "c" else dec
            for value in self.eval(target, ctx):
                name = self.qualified(value)
                if name is not None:
                    found = table.match(name)
                    if found is not None:
                        return found
        return None

    def task_queue(self, mi: int, fn: Function):
        """The queue whose task decorator marks this function, if any."""
        return self.decorated_by(mi, fn, self.cat.offloads.task_decorators)

"""Parameters as the evaluator sees them: `self` and `cls`, values provided by a dependency marker
(`Depends(get_service)`, `Annotated[T, Depends(...)]`), instances of the annotated type, defaults."""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..catalogue.patterns import PatternTable
from ..catalogue.schema import ArgSpec
from .constructors import Constructors
from .ir import Arg, Call, Expr, FromImport, Function, Items, Keyword, Name, Param, Star, Subscript
from .project import BoundExpr, Ctx, ImportedGlobal, Project
from .requests import FrameworkRequests
from .values import ClassRef, External, Instance, Value

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator


def arg_value(args: tuple[Arg, ...], kwargs: tuple[Keyword, ...], spec: ArgSpec) -> Optional[Expr]:
    """The argument a call passes at `spec` (keyword first, then position). A position at or after
    a `*spread` is unknown: the spread may hold any number of items."""
    if spec.kwarg is not None:
        for name, value in kwargs:
            if name == spec.kwarg:
                return value
    for index, arg in enumerate(args):
        if isinstance(arg, Star):
            return None
        if index == spec.arg:
            return arg
    return None


def bind(fn: Function, method: bool, args: tuple[Arg, ...], kwargs: tuple[Keyword, ...]) -> dict[str, Expr]:
    """The argument a call passes to each parameter of `fn`: by position (after `self` or `cls`
    when the call is on a bound method, `method`, unless `fn` is a staticmethod) up to the first
    `*spread`, whose items may fill any of the positions after it; then by keyword, for a parameter
    not already bound (a keyword `fn` has no parameter for goes to its `**kwargs`). A parameter the
    call does not pass is absent: its default applies, or a spread may carry it (pathconds.py
    tells the two apart; no other reader needs to)."""
    positional = [p.name for p in fn.params if p.kind == "pos"][1 if method and fn.kind != "staticmethod" else 0:]
    bound: dict[str, Expr] = {}
    for name, arg in zip(positional, args):
        if isinstance(arg, Star):
            break
        bound[name] = arg
    named = {*positional, *(p.name for p in fn.params if p.kind == "kwonly")}
    for key, value in kwargs:
        if key in named and key not in bound:  # (None: a `**spread`)
            bound[key] = value
    return bound


def receiver_bound(fn: Function) -> bool:
    """Whether the function's first parameter is its `self` or `cls`, which no call site passes."""
    return fn.cls is not None and fn.kind in ("method", "property", "classmethod")


def passed_names(fn: Function) -> set[str]:
    """The names of the parameters a call site passes (all but a bound `self` or `cls`)."""
    return {p.name for p in fn.params[1 if receiver_bound(fn) else 0:]}


_INTERFACE_BASES = frozenset({"typing.Protocol", "typing_extensions.Protocol", "abc.ABC"})


class Parameters:
    def __init__(self, project: Project, evaluator: Evaluator,
                 markers: list[tuple[PatternTable[bool], ArgSpec, bool]]) -> None:
        self.p = project
        self.ev = evaluator
        self.markers = markers
        self.constructors = Constructors(project, evaluator)
        # `def view(request)`: the framework's request (requests.py)
        self.requests = FrameworkRequests(project, evaluator, evaluator.cat)

    def values(self, ctx: Ctx, param: Param, index: int) -> list[Value]:
        """What a parameter may hold: `self`/`cls`, a dependency's result, an instance of its annotation,
        its default."""
        mi, fq = ctx.module, ctx.function
        fn = self.p.function(mi, fq) if fq is not None else None
        if fn is None:
            return []
        if index == 0 and fn.cls is not None and receiver_bound(fn):
            owner = ctx.receiver or (mi, fn.cls)
            return [ClassRef("cls", *owner) if fn.kind == "classmethod" else Instance("inst", *owner)]
        dctx = self.p.defining_ctx(mi, fn)
        out: list[Value] = []
        if param.default is not None:
            provider = self.dependency_provider(param.default, dctx)
            if provider is not None:
                out.extend(v for p in self.ev.eval(provider, dctx) for v in self.ev.returns(p))
        if param.annotation is not None:
            for ann, actx in self.annotation_parts(param.annotation, dctx):
                provider = self.dependency_provider(ann, actx)
                if provider is not None:
                    out.extend(v for p in self.ev.eval(provider, actx) for v in self.ev.returns(p))
            if not out:
                declared = self.ev.instances(self.ev.eval(param.annotation, dctx))
                out.extend(declared)
                if declared and all(self._interface(v) for v in declared):
                    # Typed as a Protocol or an abstract base: its methods are declarations, and the
                    # implementation is what the constructions pass (`super().__init__(WebhookPublisher())`
                    # for `publisher: PublisherLike`, which nothing subclasses: a Protocol is structural).
                    out.extend(self.constructors.argument(mi, fn, param, index))
        if not out:  # what the constructions pass (`self.renderer = renderer` in `__init__`)
            out.extend(self.constructors.argument(mi, fn, param, index))
        if not out and param.default is not None:
            out.extend(self.ev.eval(param.default, dctx))
        if not out:
            out.extend(self.requests.parameter(param))
        return out

    def _interface(self, value: Value) -> bool:
        """An instance of a project class that only declares an interface: a Protocol, or an
        abstract base (`abc.ABC`), whatever the project derives from them."""
        if not isinstance(value, Instance):
            return False
        _classes, external = self.ev.classes.mro(value.module, value.qualname)
        return any(name in _INTERFACE_BASES for name in external)

    def annotation_parts(self, ann: Expr, ctx: Ctx, depth: int = 0) -> list[tuple[Expr, Ctx]]:
        """The metadata of `Annotated[T, Depends(...)]`, each with the context it is written in;
        follows aliases such as `CurrentUser = Annotated[dict, Depends(get_user)]`."""
        if isinstance(ann, Subscript) and isinstance(ann.key, Items):
            for base in self.ev.eval(ann.base, ctx):
                if isinstance(base, External) and base.name.endswith("Annotated"):
                    return [(part, ctx) for part in ann.key.items[1:]]
            return []
        if isinstance(ann, Name) and depth < 4:
            for bound in self.p.bindings(ann.id, ctx):
                if not isinstance(bound, BoundExpr):
                    continue
                detail = bound.binding
                if isinstance(detail, Subscript):
                    return self.annotation_parts(detail, bound.ctx, depth + 1)
                if isinstance(detail, FromImport):
                    found = self.p.resolve_import(detail.module, detail.name, bound.ctx.module)
                    if isinstance(found, ImportedGlobal):
                        owner, gname = found.where
                        return self.annotation_parts(Name("n", gname), Ctx(owner, None), depth + 1)
        return []

    def dependency_marker(self, expr: Expr, ctx: Ctx) -> Optional[tuple[Optional[Expr], bool]]:
        """When `expr` is a dependency marker call (`Depends(get_service)`): (provider expression or
        None for a bare `Depends()`, whose provider is the annotation; whether a plain `def`
        provider runs in a worker thread)."""
        if not isinstance(expr, Call) or not self.markers:
            return None
        for target in self.ev.eval(expr.func, ctx):
            name = self.ev.qualified(target)
            if name is None:
                continue
            for table, spec, threadpool in self.markers:
                if table.match(name):
                    return (arg_value(expr.args, expr.kwargs, spec), threadpool)
        return None

    def dependency_provider(self, expr: Expr, ctx: Ctx) -> Optional[Expr]:
        marker = self.dependency_marker(expr, ctx)
        return marker[0] if marker is not None else None

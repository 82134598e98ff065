"""The project index: modules by name, and name lookup through scopes and imports.

A context (`Ctx`) is a module index and a function qualname (None for the module body), and for
a method reached through a subclass, the class `self` is an instance of. Lookup
follows Python's rules as far as a static reading allows: the function's own names and
parameters, then enclosing functions, then module globals (star imports included), then builtins.
"""
from __future__ import annotations

import builtins
from typing import Iterable, Literal, NamedTuple, Optional, Union

from .ir import Arg, Attr, Binding, Class, Const, Expr, FromImport, Function, Items, Module, Name, Param, Star
from .values import ClassKey

_BUILTINS = frozenset(dir(builtins))


class Ctx(NamedTuple):
    """Where an expression is read: a module, a function of it (None: the module body), and the
    class `self` is an instance of when a method is inherited (None: the method's own class)."""

    module: int
    function: Optional[str]
    receiver: Optional[ClassKey] = None


class BoundExpr(NamedTuple):
    kind: Literal["expr"]
    binding: Binding
    ctx: Ctx


class BoundParam(NamedTuple):
    kind: Literal["param"]
    param: tuple[Param, int]  # the parameter and its index
    ctx: Ctx


class BoundBuiltin(NamedTuple):
    kind: Literal["builtin"]
    name: str
    ctx: Ctx


Bound = Union[BoundExpr, BoundParam, BoundBuiltin]


class ImportedModule(NamedTuple):
    kind: Literal["mod"]
    module: int


class ImportedGlobal(NamedTuple):
    kind: Literal["global"]
    where: tuple[int, str]  # the project module defining it, and its name there


class ImportedExternal(NamedTuple):
    kind: Literal["ext"]
    name: str  # dotted


Imported = Union[ImportedModule, ImportedGlobal, ImportedExternal]


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.split("/"), b.split("/")):
        if x != y:
            break
        n += 1
    return n


class Project:
    def __init__(self, modules: Iterable[Module]) -> None:
        self.mods: list[Module] = list(modules)
        self._module_ctxs = [Ctx(mi, None) for mi in range(len(self.mods))]
        self.by_name: dict[str, list[int]] = {}
        self._stores: dict[tuple[int, str], dict[str, list[tuple[str, Binding]]]] = {}
        for index, module in enumerate(self.mods):
            self.by_name.setdefault(module.name, []).append(index)

    # -- modules ------------------------------------------------------------------------------

    def find_module(self, name: str, near: Optional[int] = None) -> Optional[int]:
        """The project module called `name`; with several (fixture apps side by side), the nearest."""
        candidates = self.by_name.get(name)
        if not candidates:
            return None
        if len(candidates) == 1 or near is None:
            return candidates[0]
        here = self.mods[near].path
        return max(candidates, key=lambda i: _common_prefix(self.mods[i].path, here))

    def function(self, mi: int, qualname: str) -> Optional[Function]:
        return self.mods[mi].functions.get(qualname)

    def klass(self, mi: int, qualname: str) -> Optional[Class]:
        return self.mods[mi].classes.get(qualname)

    # -- names --------------------------------------------------------------------------------

    def local_bindings(self, expr: Expr, ctx: Ctx) -> list[Bound]:
        """A name's bindings, or those of `self.attr` made in this very method (`self.recipients = set()`
        then `self.recipients |= {...}`): what the method's own code put there."""
        if isinstance(expr, Name):
            return self.bindings(expr.id, ctx)
        fn = self.function(ctx.module, ctx.function) if ctx.function is not None else None
        if (fn is None or fn.cls is None or fn.kind != "method" or not fn.params or not isinstance(expr, Attr)
                or not isinstance(expr.base, Name) or expr.base.id != fn.params[0].name):
            return []
        return [BoundExpr("expr", value, ctx) for attr, value in fn.self_attrs if attr == expr.attr]

    def through_imports(self, bindings: list[Bound]) -> list[Bound]:
        """`from .settings import SIZES`: SIZES's own bindings, in the module that makes it."""
        out: list[Bound] = []
        for b in bindings:
            imported = b.binding if isinstance(b, BoundExpr) and isinstance(b.binding, FromImport) else None
            other = self.find_module(imported.module, b.ctx.module) if imported is not None else None
            if imported is None or other is None or other == b.ctx.module:
                out.append(b)
            else:
                out.extend(self.bindings(imported.name, self.module_ctx(other)) or [b])
        return out

    def bindings(self, name: str, ctx: Ctx) -> list[Bound]:
        """Where `name` is bound as seen from `ctx`, each with the context of the binding: a
        parameter, a binding (see ir.py) or a builtin."""
        mi, fq, receiver = ctx
        module = self.mods[mi]
        here = ctx  # (contexts are built only when the lookup leaves this one: this runs very often)
        while fq is not None:
            fn = module.functions.get(fq)
            if fn is None:
                break
            if here.function != fq:
                here = Ctx(mi, fq, receiver)
            for index, param in enumerate(fn.params):
                if param.name == name:
                    return [BoundParam("param", (param, index), here)]
            found = fn.scope.names.get(name)
            if found:
                return [BoundExpr("expr", expr, here) for expr in found]
            fq = fn.parent
        found = module.scope.names.get(name)
        if found:
            top = self.module_ctx(mi)
            return [BoundExpr("expr", expr, top) for expr in found]
        for star in module.star_imports:
            other = self.find_module(star, mi)
            if other is not None and other != mi:
                found = self.mods[other].scope.names.get(name)
                if found:
                    there = self.module_ctx(other)
                    return [BoundExpr("expr", expr, there) for expr in found]
            elif other is None:
                return [BoundExpr("expr", FromImport("from", star, name), self.module_ctx(mi))]
        if name in _BUILTINS:
            return [BoundBuiltin("builtin", name, self.module_ctx(mi))]
        return []

    def own_param(self, name: str, ctx: Ctx) -> Optional[Function]:
        """The function of `ctx` when `name` is one of its own parameters (not an enclosing
        function's), else None. Known limit: a parameter the body rebinds still counts, as
        `bindings` answers the parameter first."""
        if ctx.function is None:
            return None
        bindings = self.bindings(name, ctx)
        if len(bindings) != 1 or not isinstance(bindings[0], BoundParam) or bindings[0].ctx.function != ctx.function:
            return None
        return self.function(ctx.module, ctx.function)

    def module_ctx(self, mi: int) -> Ctx:
        """The context of a module's body (one object per module)."""
        return self._module_ctxs[mi]

    def resolve_import(self, module: str, name: Optional[str], near: int) -> Imported:
        """`from module import name` (or `import module` when name is None): a project module, a
        name defined in a project module, or something outside the project."""
        if name is None:
            found = self.find_module(module, near)
            return ImportedModule("mod", found) if found is not None else ImportedExternal("ext", module)
        full = f"{module}.{name}" if module else name
        sub = self.find_module(full, near)
        if sub is not None:
            return ImportedModule("mod", sub)
        owner = self.find_module(module, near)
        if owner is not None:
            return ImportedGlobal("global", (owner, name))
        return ImportedExternal("ext", full)

    def const_str(self, expr: Optional[Expr], ctx: Ctx) -> Optional[str]:
        """The string an expression is, or a name is bound to (`ROUTE = "/x"`)."""
        if isinstance(expr, Const) and isinstance(expr.value, str):
            return expr.value
        if isinstance(expr, Name):
            for bound in self.bindings(expr.id, ctx):
                if isinstance(bound, BoundExpr) and isinstance(bound.binding, Const) \
                        and isinstance(bound.binding.value, str):
                    return bound.binding.value
        return None

    def strings(self, exprs: Iterable[Arg], ctx: Ctx, depth: int = 0) -> tuple[str, ...]:
        """String constants an argument list carries (a command line), following local names once."""
        out: list[str] = []
        for expr in exprs:
            if isinstance(expr, Const) and isinstance(expr.value, str):
                out.append(expr.value)
            elif isinstance(expr, Items) and depth < 2:
                out.extend(self.strings(expr.items, ctx, depth + 1))
            elif isinstance(expr, Star) and depth < 2:
                out.extend(self.strings((expr.value,), ctx, depth + 1))
            elif isinstance(expr, Name) and depth < 2:
                for bound in self.bindings(expr.id, ctx):
                    if isinstance(bound, BoundExpr) and isinstance(bound.binding, (Const, Items)):
                        out.extend(self.strings((bound.binding,), bound.ctx, depth + 1))
        return tuple(out)

    def defining_ctx(self, mi: int, fn: Function) -> Ctx:
        """Where a function's decorators, defaults and annotations are evaluated."""
        return Ctx(mi, fn.parent)

    def class_ctx(self, mi: int, cls: Class) -> Ctx:
        return Ctx(mi, cls.parent)

    def stores(self, mi: int, cls: Class) -> dict[str, list[tuple[str, Binding]]]:
        """What the class's methods store into `self.<attr>`, by attribute: (method qualname,
        value), in the order of the methods and of their statements. Indexed once per class: an
        instance attribute is looked up through every class of the lookup order, most of which do
        not store it."""
        key = (mi, cls.qualname)
        found = self._stores.get(key)
        if found is None:
            found = self._stores[key] = {}
            for mq in cls.methods.values():
                fn = self.function(mi, mq)
                for name, value in fn.self_attrs if fn is not None else ():
                    found.setdefault(name, []).append((mq, value))
        return found

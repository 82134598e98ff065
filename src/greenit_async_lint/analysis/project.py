"""The project index: modules by name, and name lookup through scopes and imports.

A context (`Ctx`) is a module index and a function qualname (None for the module body). Lookup
follows Python's rules as far as a static reading allows: the function's own names and
parameters, then enclosing functions, then module globals (star imports included), then builtins.
"""
from __future__ import annotations

import builtins
from typing import Any, Iterable, Optional

from .ir import Class, Function, Module

Ctx = tuple  # (module index, function qualname or None[, receiver class (module index, qualname)])
_BUILTINS = frozenset(dir(builtins))


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
        self.by_name: dict[str, list[int]] = {}
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

    def bindings(self, name: str, ctx: Ctx) -> list[tuple[str, Any, Ctx]]:
        """Where `name` is bound as seen from `ctx`: (kind, detail, ctx of the binding).

        kind is "param" (detail: the Param and its index), "expr" (detail: a binding expression,
        see ir.py) or "builtin" (detail: the builtin's name).
        """
        mi, fq = ctx[0], ctx[1]
        receiver = ctx[2:]  # the class `self` is an instance of, when known to be a subclass
        module = self.mods[mi]
        while fq is not None:
            fn = module.functions.get(fq)
            if fn is None:
                break
            for index, param in enumerate(fn.params):
                if param.name == name:
                    return [("param", (param, index), (mi, fq, *receiver))]
            found = fn.scope.names.get(name)
            if found:
                return [("expr", expr, (mi, fq, *receiver)) for expr in found]
            fq = fn.parent
        found = module.scope.names.get(name)
        if found:
            return [("expr", expr, (mi, None)) for expr in found]
        for star in module.star_imports:
            other = self.find_module(star, mi)
            if other is not None and other != mi:
                found = self.mods[other].scope.names.get(name)
                if found:
                    return [("expr", expr, (other, None)) for expr in found]
            elif other is None:
                return [("expr", ("from", star, name), (mi, None))]
        if name in _BUILTINS:
            return [("builtin", name, (mi, None))]
        return []

    def resolve_import(self, module: str, name: Optional[str], near: int) -> tuple[str, Any]:
        """`from module import name` (or `import module` when name is None).

        Returns ("mod", index), ("global", (index, name)) for a name defined in a project module,
        or ("ext", dotted) for anything outside the project.
        """
        if name is None:
            found = self.find_module(module, near)
            return ("mod", found) if found is not None else ("ext", module)
        full = f"{module}.{name}" if module else name
        sub = self.find_module(full, near)
        if sub is not None:
            return ("mod", sub)
        owner = self.find_module(module, near)
        if owner is not None:
            return ("global", (owner, name))
        return ("ext", full)

    def defining_ctx(self, mi: int, fn: Function) -> Ctx:
        """Where a function's decorators, defaults and annotations are evaluated."""
        return (mi, fn.parent)

    def class_ctx(self, mi: int, cls: Class) -> Ctx:
        return (mi, cls.parent)

"""What each function's whole definition holds, read in one pass over a module's tree.

Two facts about a `def` need everything inside it, nested functions, decorators, defaults and
annotations included: the locals that name a test of its parameters (`use_overrides = overrides
is not None`, so that `if not use_overrides:` reads as `if overrides is None:`, conditions.py) and
the attributes it writes (`name.attr = ...`, `setattr(name, ...)`: a test of an argument's field is
the caller's only if nothing here changes it, pathconds.py). Walking each `def` for them walked a
nested function's nodes again for every function around it; here every node is visited once and
counted for each function it is in.
"""
from __future__ import annotations

import ast
from typing import NamedTuple, Union

from .conditions import Aliases
from .subnodes import CHILD_FIELDS, child_fields

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]


class BodyFacts(NamedTuple):
    aliases: Aliases  # the locals that name a test of the parameters
    attr_writes: tuple[str, ...]  # `name.attr` written, `name.*` for `setattr(name, ...)`, sorted


class _Tally:
    """What one function holds, the functions inside it included."""

    def __init__(self) -> None:
        self.stores: dict[str, int] = {}  # how often each name is bound (or deleted)
        self.scoped = False  # a `global` or `nonlocal` inside: no alias can be trusted
        self.tests: list[tuple[str, ast.expr]] = []  # `name = <a test>`, the alias candidates
        self.writes: set[str] = set()

    def add(self, inner: _Tally) -> None:
        for name, count in inner.stores.items():
            self.stores[name] = self.stores.get(name, 0) + count
        self.scoped = self.scoped or inner.scoped
        self.tests += inner.tests
        self.writes |= inner.writes

    def facts(self, node: FunctionNode) -> BodyFacts:
        return BodyFacts({} if self.scoped else self._aliases(node), tuple(sorted(self.writes)))

    def _aliases(self, node: FunctionNode) -> Aliases:
        """Candidates bound once and never rebound, reading only parameters never rebound either."""
        args = node.args
        params = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
        out: Aliases = {}
        for name, value in self.tests:
            if self.stores.get(name) != 1 or name in params:
                continue
            read = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
            if read and read <= params and not any(self.stores.get(p) for p in read) and not any(
                    isinstance(n, (ast.Call, ast.Attribute, ast.Subscript, ast.NamedExpr)) for n in ast.walk(value)):
                out[name] = value
        return out


_TESTS = (ast.Compare, ast.UnaryOp, ast.BoolOp)
# The node kinds that tell something when they are met on the walk; the others are only gone
# through. (Names tell something too, but they are read where they are met, never pushed.)
_NOTED = frozenset({ast.Attribute, ast.Call, ast.Global, ast.Nonlocal, ast.Assign, ast.FunctionDef,
                    ast.AsyncFunctionDef})
_Name, _Attribute, _Constant, _Load = ast.Name, ast.Attribute, ast.Constant, ast.Load
_Call, _Assign, _Global, _Nonlocal = ast.Call, ast.Assign, ast.Global, ast.Nonlocal


def body_facts(function: FunctionNode) -> dict[ast.AST, BodyFacts]:
    """The facts of the function and of every `def` inside it, by node."""
    found: dict[ast.AST, BodyFacts] = {}
    _tally(function, found)
    return found


def _tally(function: FunctionNode, found: dict[ast.AST, BodyFacts]) -> _Tally:
    """What the function holds (its nested functions tallied apart, then added: `found` gets each)."""
    tally = _Tally()
    stores, writes, tests = tally.stores, tally.writes, tally.tests
    stack: list[ast.AST] = [function]
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        kind = type(node)
        if kind in _NOTED:
            if kind is _Attribute:  # (a read one, `a.b`, is gone through where it is met, never pushed)
                if type(node.ctx) is not _Load and type(node.value) is _Name:  # type: ignore[attr-defined]
                    writes.add(f"{node.value.id}.{node.attr}")  # type: ignore[attr-defined]
            elif kind is _Call:
                func, args = node.func, node.args  # type: ignore[attr-defined]
                if type(func) is _Name and func.id == "setattr" and args and type(args[0]) is _Name:
                    writes.add(f"{args[0].id}.*")
            elif kind is _Assign:
                targets, value = node.targets, node.value  # type: ignore[attr-defined]
                if len(targets) == 1 and type(targets[0]) is _Name and isinstance(value, _TESTS):
                    tests.append((targets[0].id, value))
            elif kind is _Global or kind is _Nonlocal:
                tally.scoped = True
            elif node is not function:  # a nested `def`
                tally.add(_tally(node, found))  # type: ignore[arg-type]
                continue
        fields = CHILD_FIELDS.get(kind)  # (subnodes.py's loop, inlined: it is most of the pass)
        for field in fields if fields is not None else child_fields(kind):
            child = getattr(node, field, None)
            if type(child) is list:
                for item in child:
                    # Names, constants and read attributes are most of the nodes: read in place
                    # rather than pushed and popped.
                    while type(item) is _Attribute and type(item.ctx) is _Load:
                        item = item.value
                    if type(item) is _Name:
                        if type(item.ctx) is not _Load:
                            stores[item.id] = stores.get(item.id, 0) + 1
                    elif type(item) is not _Constant and isinstance(item, ast.AST):
                        push(item)
            elif child is not None:
                while type(child) is _Attribute and type(child.ctx) is _Load:
                    child = child.value
                if type(child) is _Name:
                    if type(child.ctx) is not _Load:
                        stores[child.id] = stores.get(child.id, 0) + 1
                elif type(child) is not _Constant and isinstance(child, ast.AST):
                    push(child)
    found[function] = tally.facts(function)
    return tally

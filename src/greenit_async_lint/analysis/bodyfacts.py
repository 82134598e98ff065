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
# The node kinds that tell something; the others are only gone through.
_NOTED = frozenset({ast.Name, ast.Attribute, ast.Call, ast.Global, ast.Nonlocal, ast.Assign,
                    ast.FunctionDef, ast.AsyncFunctionDef})


def body_facts(function: FunctionNode) -> dict[ast.AST, BodyFacts]:
    """The facts of the function and of every `def` inside it, by node."""
    found: dict[ast.AST, BodyFacts] = {}
    _tally(function, found)
    return found


def _tally(function: FunctionNode, found: dict[ast.AST, BodyFacts]) -> _Tally:
    """What the function holds (its nested functions tallied apart, then added: `found` gets each)."""
    tally = _Tally()
    stack: list[ast.AST] = [function]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind in _NOTED:
            if isinstance(node, ast.Name):
                if not isinstance(node.ctx, ast.Load):
                    tally.stores[node.id] = tally.stores.get(node.id, 0) + 1
                continue
            if isinstance(node, ast.Attribute):
                if not isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name):
                    tally.writes.add(f"{node.value.id}.{node.attr}")
            elif isinstance(node, ast.Call):
                func, args = node.func, node.args
                if isinstance(func, ast.Name) and func.id == "setattr" and args and isinstance(args[0], ast.Name):
                    tally.writes.add(f"{args[0].id}.*")
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                tally.scoped = True
            elif isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
                if len(targets) == 1 and isinstance(targets[0], ast.Name) and isinstance(value, _TESTS):
                    tally.tests.append((targets[0].id, value))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not function:
                tally.add(_tally(node, found))
                continue
        fields = CHILD_FIELDS.get(kind)  # (subnodes.py's loop, inlined: it is most of the pass)
        for field in fields if fields is not None else child_fields(kind):
            child = getattr(node, field, None)
            if type(child) is list:
                for item in child:
                    if isinstance(item, ast.AST):
                        stack.append(item)
            elif isinstance(child, ast.AST):
                stack.append(child)
    found[function] = tally.facts(function)
    return tally

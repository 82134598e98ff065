"""The locals that name a test of a function's parameters, read in one pass over its definition.

`use_overrides = overrides is not None` makes `if not use_overrides:` read as `if overrides is
None:` (conditions.py). Whether `use_overrides` is such a name needs everything inside the `def`,
nested functions, decorators, defaults and annotations included: each name bound anywhere there
is counted (an alias must be bound once, and the parameters it reads never), and every node is
visited once and counted for each function it is in.

Most functions bind no local to a test at all, which their statements alone tell
(`binds_a_test`): the summary builder makes that walk only for the others (866 of the 48,507
outermost functions of the primer's applications), instead of every function's every node (4 % of
a cold check's work on mealie). The attributes a function writes are the builder's to collect, in
its own pass (expressions.py `wrote`).
"""
from __future__ import annotations

import ast
from typing import NamedTuple, Union

from .conditions import Aliases
from .subnodes import CHILD_FIELDS, child_fields

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]


class BodyFacts(NamedTuple):
    aliases: Aliases  # the locals that name a test of the parameters


class _Tally:
    """What one function holds, the functions inside it included."""

    def __init__(self) -> None:
        self.stores: dict[str, int] = {}  # how often each name is bound (or deleted)
        self.scoped = False  # a `global` or `nonlocal` inside: no alias can be trusted
        self.tests: list[tuple[str, ast.expr]] = []  # `name = <a test>`, the alias candidates

    def add(self, inner: _Tally) -> None:
        for name, count in inner.stores.items():
            self.stores[name] = self.stores.get(name, 0) + count
        self.scoped = self.scoped or inner.scoped
        self.tests += inner.tests

    def facts(self, node: FunctionNode) -> BodyFacts:
        return BodyFacts({} if self.scoped else self._aliases(node))

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
_NOTED = frozenset({ast.Global, ast.Nonlocal, ast.Assign, ast.FunctionDef, ast.AsyncFunctionDef})
_Name, _Attribute, _Constant, _Load = ast.Name, ast.Attribute, ast.Constant, ast.Load
_Assign, _Global, _Nonlocal = ast.Assign, ast.Global, ast.Nonlocal
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")  # where statements hold statements


def binds_a_test(function: FunctionNode) -> bool:
    """Whether a statement anywhere in the function (nested ones included) binds one name to a
    test (`name = a is None`): without one, no local of it, or of a function inside it, is an
    alias, and body_facts has nothing to find. Statements alone: an assignment is never inside
    an expression."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if type(node) is _Assign:
            targets = node.targets
            if len(targets) == 1 and type(targets[0]) is _Name and isinstance(node.value, _TESTS):
                return True
            continue
        for field in _BLOCKS:
            block = getattr(node, field, None)
            if block:
                stack.extend(block)
    return False


def body_facts(function: FunctionNode) -> dict[ast.AST, BodyFacts]:
    """The facts of the function and of every `def` inside it, by node."""
    found: dict[ast.AST, BodyFacts] = {}
    _tally(function, found)
    return found


def _tally(function: FunctionNode, found: dict[ast.AST, BodyFacts]) -> _Tally:
    """What the function holds (its nested functions tallied apart, then added: `found` gets each)."""
    tally = _Tally()
    stores, tests = tally.stores, tally.tests
    stack: list[ast.AST] = [function]
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        kind = type(node)
        if kind in _NOTED:
            if kind is _Assign:
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

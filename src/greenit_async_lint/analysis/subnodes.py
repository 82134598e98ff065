"""`ast.walk` at a fraction of its cost, for the summary builder's passes over every function
(bodyfacts.py) and every guard's test (conditions.py).

`ast.walk` goes through `iter_child_nodes` and `iter_fields`, two generators per node, and visits
every context (`Load()`) and operator node; these go through only the fields of a node kind that
can hold nodes, looked up once per kind, and leave contexts and operators out: they tell nothing.
"""
from __future__ import annotations

import ast
from typing import Iterator

CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def child_fields(kind: type[ast.AST]) -> tuple[str, ...]:
    """The fields of a node kind that can hold nodes other than contexts and operators."""
    fields = CHILD_FIELDS.get(kind)
    if fields is None:  # (callers look in CHILD_FIELDS first: a call per node costs more than the lookup)
        fields = () if kind is ast.Constant else tuple(f for f in kind._fields if f not in ("ctx", "op", "ops"))
        CHILD_FIELDS[kind] = fields
    return fields


def subnodes(node: ast.AST) -> Iterator[ast.AST]:
    """The node and every node under it, depth first, but contexts and operators."""
    stack = [node]
    while stack:
        node = stack.pop()
        yield node
        kind = type(node)
        fields = CHILD_FIELDS.get(kind)
        for field in fields if fields is not None else child_fields(kind):
            child = getattr(node, field, None)
            if type(child) is list:
                for item in child:
                    if isinstance(item, ast.AST):
                        stack.append(item)
            elif isinstance(child, ast.AST):
                stack.append(child)

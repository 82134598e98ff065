"""The conditions a call site runs under, read from the `ast` while a module is summarised.

Each enclosing `if` gives its branches a `Guard` (ir.py) per test that holds there: the body of
`if a and not b` runs when `a` holds and `b` does not; an `else` runs when a simple test fails
(the else of `a and b` says nothing about either, so it gets no guard). An `except` handler gets
one guard naming the caught type. What the guards mean (create-if-missing, a debug flag, a retry)
is decided later, from the catalogue (guards.py): here they are only recorded.
"""
from __future__ import annotations

import ast
from typing import Callable

from .ir import UNKNOWN, Expr, Guard
from .sourcetext import source_text

Convert = Callable[[ast.expr], Expr]


def _text(node: ast.AST) -> str:
    return source_text(node, fallback="<condition>")


def _names(node: ast.AST) -> tuple[str, ...]:
    return tuple(sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name)}))


def _simple(test: ast.expr, negated: bool, convert: Convert) -> Guard:
    """One test, `not` and `is None` unwrapped."""
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, negated = test.operand, not negated
    if (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.IsNot))
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None):
        return Guard("none", convert(test.left), negated != isinstance(test.ops[0], ast.IsNot), _text(test),
                     _names(test))
    return Guard("truth", convert(test), negated, _text(test), _names(test))


def if_guards(test: ast.expr, convert: Convert) -> tuple[tuple[Guard, ...], tuple[Guard, ...]]:
    """(the guards of an `if`'s body, the guards of its `else`)."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return tuple(_simple(value, False, convert) for value in test.values), ()
    if isinstance(test, ast.BoolOp):
        return (), ()  # `a or b`: neither is known to hold in the body
    body = _simple(test, False, convert)
    # the else is the same test failing: one reading of it (its text and value cost most of this)
    return (body,), (body._replace(negated=not body.negated),)


def except_guard(handler: ast.ExceptHandler, convert: Convert) -> Guard:
    if handler.type is None:
        return Guard("except", UNKNOWN, False, "except", ())
    return Guard("except", convert(handler.type), False, "except " + _text(handler.type), _names(handler.type))

"""The conditions a call site runs under, read from the `ast` while a module is summarised.

Each enclosing `if` gives its branches a `Guard` (ir.py) per test that holds there: the body of
`if a and not b` runs when `a` holds and `b` does not; an `else` runs when a simple test fails
(the else of `a and b` says nothing about either, so it gets no guard). When one branch always
leaves the block (`if dry_run: return`, `continue`, `raise`), the statements after the `if` get
the guards of the other branch (`if a or b: return` leaves `not a` and `not b`). An `except`
handler gets one guard naming the caught type. A comparison with a constant keeps the constant
(`mode == "inline"`, `flag is False`, `type in (None, "directory")`), so that a caller's constant
argument can decide it (pathconds.py).
What the guards mean (create-if-missing, a debug flag, a retry, an argument) is decided later,
from the catalogue (guards.py) and the call sites (pathconds.py): here they are only recorded.
"""
from __future__ import annotations

import ast
import functools
from typing import Callable

from .ir import UNKNOWN, Expr, Guard, Scalar
from .sourcetext import source_text
from .subnodes import subnodes

Convert = Callable[[ast.expr], Expr]


# An `if` whose branch leaves reads its test twice (if_guards, then after_if), the test of an
# `elif` it leaves to a third time: the test's text and names, what its guards cost most, are
# read once per node. (Its subject is still converted each time: a walrus in it binds each time,
# and the summaries keep those bindings.)
@functools.lru_cache(maxsize=1024)
def _text(node: ast.AST) -> str:
    return source_text(node, fallback="<condition>")


@functools.lru_cache(maxsize=1024)
def _names(node: ast.AST) -> tuple[str, ...]:
    return tuple(sorted({n.id for n in subnodes(node) if isinstance(n, ast.Name)}))


_SCALARS = (str, int, float, bool, type(None))


def _compared(test: ast.Compare) -> tuple[ast.expr, ast.cmpop, Scalar] | None:
    """(subject, operator, constant) of `x == "a"`, `"a" != x`, `x is False`; None otherwise."""
    if len(test.ops) != 1:
        return None
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(left, ast.Constant) and not isinstance(right, ast.Constant):
        left, right = right, left
    if isinstance(right, ast.Constant) and isinstance(right.value, _SCALARS):
        return left, op, right.value
    return None


def _member(test: ast.Compare) -> tuple[ast.expr, bool, str] | None:
    """(subject, negated, the constants as a literal) of `x in ("a", None)`, `x not in {...}`; None otherwise."""
    if len(test.ops) != 1 or not isinstance(test.ops[0], (ast.In, ast.NotIn)):
        return None
    options = test.comparators[0]
    if not isinstance(options, (ast.Tuple, ast.List, ast.Set)) or not all(
            isinstance(e, ast.Constant) and isinstance(e.value, _SCALARS) for e in options.elts):
        return None
    values = tuple(e.value for e in options.elts if isinstance(e, ast.Constant))
    return test.left, isinstance(test.ops[0], ast.NotIn), repr(values)


def _simple(test: ast.expr, negated: bool, convert: Convert) -> Guard:
    """One test, `not`, `is None`, `is True`/`is False`, `==`/`!=` a constant and `in`/`not in` a
    literal of constants unwrapped (the literal kept as its text in `value`)."""
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, negated = test.operand, not negated
    member = _member(test) if isinstance(test, ast.Compare) else None
    if member is not None:
        return Guard("in", convert(member[0]), negated != member[1], _text(test), _names(test), member[2])
    compared = _compared(test) if isinstance(test, ast.Compare) else None
    if compared is not None:
        subject, op, value = compared
        if isinstance(op, (ast.Is, ast.IsNot)) and value is None:
            return Guard("none", convert(subject), negated != isinstance(op, ast.IsNot), _text(test), _names(test))
        if isinstance(op, (ast.Is, ast.IsNot)) and isinstance(value, bool):
            return Guard("is", convert(subject), negated != isinstance(op, ast.IsNot), _text(test), _names(test),
                         value)
        if isinstance(op, (ast.Eq, ast.NotEq)):
            return Guard("eq", convert(subject), negated != isinstance(op, ast.NotEq), _text(test), _names(test),
                         value)
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


def exit_guards(test: ast.expr, orelse: tuple[Guard, ...], convert: Convert) -> tuple[Guard, ...]:
    """The guards after an `if` whose body always leaves the block (`if dry_run: return`): its
    else guards (`orelse`, from if_guards), and for `if a or b: return` each test failing."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return tuple(_simple(value, True, convert)._replace(after_exit=True) for value in test.values)
    return tuple(guard._replace(after_exit=True) for guard in orelse)


def except_guard(handler: ast.ExceptHandler, convert: Convert) -> Guard:
    if handler.type is None:
        return Guard("except", UNKNOWN, False, "except", ())
    return Guard("except", convert(handler.type), False, "except " + _text(handler.type), _names(handler.type))


_EXITS = (ast.Return, ast.Raise, ast.Continue, ast.Break)


def after_if(node: ast.If, convert: Convert, aliases: Aliases) -> tuple[Guard, ...]:
    """The guards that hold after an `if` when one of its branches always leaves the block:
    `if dry_run: return` leaves `not dry_run`; a chain `if a: return / elif not b: return` leaves
    both `not a` and `b` (the `elif` is an `if` alone in the else, read the same way)."""
    test = unalias(node.test, aliases)
    body_exits = isinstance(node.body[-1], _EXITS)
    orelse_exits = bool(node.orelse) and isinstance(node.orelse[-1], _EXITS)
    if body_exits == orelse_exits:
        return ()
    body, orelse = if_guards(test, convert)
    if not body_exits:
        return tuple(guard._replace(after_exit=True) for guard in body)
    after = exit_guards(test, orelse, convert)
    if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If):
        after += after_if(node.orelse[0], convert, aliases)
    return after


Aliases = dict[str, ast.expr]


def unalias(test: ast.expr, aliases: Aliases) -> ast.expr:
    """The test with its aliases (test_aliases) replaced by what they name, through `not`/`and`/`or`."""
    if not aliases:
        return test
    if isinstance(test, ast.Name) and test.id in aliases:
        return aliases[test.id]
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return ast.copy_location(ast.UnaryOp(ast.Not(), unalias(test.operand, aliases)), test)
    if isinstance(test, ast.BoolOp):
        return ast.copy_location(ast.BoolOp(test.op, [unalias(v, aliases) for v in test.values]), test)
    return test

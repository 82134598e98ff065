"""The shape of a loop as written (read by summarize.py): which statements run once because the
loop ends right after them, and what bounds a `while` loop's test.

A retry loop (`for attempt in range(n): r = call(); break`, `while True: return call()`), a
fallback over mirrors (`for url in urls: try: with open_stream(url) as r: return r.read()`) or a
search that stops at the first hit runs the call until it succeeds, not once per element: the
loop does not multiply it. So does a search whose block, from the call on, can only leave the
loop (`for hook in hooks: if hook.url != url: continue; reply = get(hook.id); ...; return
reply`): every element that reaches the call is the last one (`exit_tail`). A `while` test that compares against a number or a clock is a counter
or a deadline; loops.py decides whether that number is small.
"""
from __future__ import annotations

import ast
from typing import Callable, Optional

from .ir import Expr, Items

_ORDER = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def _ends_loop(stmt: ast.stmt) -> str:
    """'return' or 'break' when the statement leaves the loop (itself, or an `if` ending so)."""
    if isinstance(stmt, ast.Return):
        return "return"
    if isinstance(stmt, ast.Break):
        return "break"
    if isinstance(stmt, ast.If) and stmt.body:
        last = stmt.body[-1]
        if isinstance(last, (ast.Return, ast.Break)):
            return "return" if isinstance(last, ast.Return) else "break"
    return ""


def _with_ends(stmt: ast.stmt) -> str:
    """'return' or 'break' when a `with` block ends the loop whatever happens before (`with
    client.stream(url) as reply: ...; return reply.body`, nested blocks included)."""
    if any(isinstance(node, ast.Continue) for node in ast.walk(stmt)):
        return ""  # an element it skips goes on to the next
    while isinstance(stmt, (ast.With, ast.AsyncWith)) and stmt.body:
        stmt = stmt.body[-1]
        if isinstance(stmt, (ast.Return, ast.Break)):
            return "return" if isinstance(stmt, ast.Return) else "break"
    return ""


def _continues(node: ast.AST) -> bool:
    """Does a `continue` of the enclosing loop occur in this statement (not one of a nested loop's)?"""
    if isinstance(node, ast.Continue):
        return True
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
        return False
    if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
        return any(_continues(n) for n in node.orelse)  # the body's `continue` is the nested loop's
    return any(_continues(child) for child in ast.iter_child_nodes(node))


def exit_tail(stmts: list[ast.stmt]) -> tuple[int, str]:
    """(start, 'return' or 'break') when the block ends by leaving the loop and nothing from
    `stmts[start]` on can go on to the next element (no `continue`): each of those statements
    runs at most once for the whole loop. (len(stmts), '') when the block does not end so.

    A `raise` does not count: a handler inside the loop may catch it and go on."""
    if not stmts or not isinstance(stmts[-1], (ast.Return, ast.Break)):
        return len(stmts), ""
    start = len(stmts) - 1
    while start > 0 and not _continues(stmts[start - 1]):
        start -= 1
    return start, "return" if isinstance(stmts[-1], ast.Return) else "break"


def leaves_after(stmt: ast.stmt, following: Optional[ast.stmt]) -> str:
    """How the loop ends right after `stmt` runs: 'return' (every enclosing loop), 'break' (the
    innermost), or '' (the loop goes on). Only a simple statement or a `try` counts: a
    compound statement before the `break` may hold calls that did run on every element."""
    if isinstance(stmt, ast.Return):
        return "return"
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return _with_ends(stmt)  # a fallback over addresses or mirrors: the first that answers ends it
    if following is None or not isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.Expr, ast.Try)):
        return ""
    if isinstance(following, ast.If) and not isinstance(stmt, ast.Try):
        # `reply = call(); if reply.ok: return`: the loop stops once the call succeeds. An `if`
        # that does not test what the call gave (`call(); if enough(): break`) stops for
        # another reason, after the call ran on every element before it.
        made = {n.id for t in getattr(stmt, "targets", [getattr(stmt, "target", None)]) if t is not None
                for n in ast.walk(t) if isinstance(n, ast.Name)}
        if not made & {n.id for n in ast.walk(following.test) if isinstance(n, ast.Name)}:
            return ""
    return _ends_loop(following)


def while_bound(test: ast.expr, expr: Callable[[ast.expr], Expr]) -> Optional[Expr]:
    """The operands of the comparisons in a `while` test (`tries < MAX`, `time.time() < deadline`),
    for loops.py to judge; None when the test compares nothing (`while True`, `while queue`)."""
    parts = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [test]
    operands: list[Expr] = []
    for part in parts:
        if isinstance(part, ast.Compare) and len(part.ops) == 1 and isinstance(part.ops[0], _ORDER):
            operands.extend((expr(part.left), expr(part.comparators[0])))
    return Items("t", tuple(operands)) if operands else None

"""The shape of a loop as written (read by summarize.py): which statements run once because the
loop ends right after them, and what bounds a `while` loop's test.

A retry loop (`for attempt in range(n): r = call(); break`, `while True: return call()`), a
fallback over mirrors (`for url in urls: try: with open_stream(url) as r: return r.read()`) or a
search that stops at the first hit runs the call until it succeeds, not once per element: the
loop does not multiply it. So does a search whose block, from the call on, can only leave the
loop (`for hook in hooks: if hook.url != url: continue; reply = get(hook.id); ...; return
reply`): every element that reaches the call is the last one (`exit_tail`). A `while` test that compares against a number or a clock is a counter
or a deadline, and so does a `while True` body that steps a counter and leaves once it reaches a
number (a retry budget: `max_retry -= 1; if max_retry == 0: raise`); loops.py decides whether
that number is small.
"""
from __future__ import annotations

import ast
from typing import Callable, Optional, Sequence

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


def _calls(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) for n in ast.walk(node))


def retry_start(stmts: list[ast.stmt]) -> int:
    """Where the failure path of a retry loop starts in its block, or len(stmts): after an
    attempt that leaves the loop on success (`if connect(session): break`, a test that calls)
    when the block later gives up by raising (`if max_retry == 0: raise ...`). What runs between
    them (a log line, the back-off sleep) runs once per failed attempt, not per element. The
    give-up is what tells a retry from a drain (`if queue.empty(): break; handle(queue.get())`)."""
    for i, stmt in enumerate(stmts):
        if isinstance(stmt, ast.If) and stmt.body and isinstance(stmt.body[-1], (ast.Break, ast.Return)) \
                and _calls(stmt.test) and not stmt.orelse:
            if any(isinstance(later, ast.If) and later.body and isinstance(later.body[-1], ast.Raise)
                   for later in stmts[i + 1:]):
                return i + 1
            break
    return len(stmts)


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


def _counter_exits(body: list[ast.stmt], expr: Callable[[ast.expr], Expr]) -> list[Expr]:
    """The operands of the tests that leave a `while True` loop once a counter its body steps
    reaches a number (`max_retry -= 1; ...; if max_retry == 0: raise`): the same bound as a
    `while tries < MAX` test, written inside. Only an `if` of the body itself counts (one in a
    nested block may not run on every pass), and only a name the body changes by `+=`/`-=`."""
    counters = {node.target.id for stmt in body for node in ast.walk(stmt)
                if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name)}
    operands: list[Expr] = []
    for stmt in body:
        if not (isinstance(stmt, ast.If) and stmt.body and isinstance(stmt.body[-1], (ast.Raise, ast.Break, ast.Return))
                and isinstance(stmt.test, ast.Compare) and len(stmt.test.ops) == 1
                and isinstance(stmt.test.ops[0], (*_ORDER, ast.Eq))):
            continue
        sides = (stmt.test.left, stmt.test.comparators[0])
        if any(isinstance(side, ast.Name) and side.id in counters for side in sides):
            operands.extend(expr(side) for side in sides)
    return operands


def while_bound(test: ast.expr, expr: Callable[[ast.expr], Expr], body: Sequence[ast.stmt] = ()) -> Optional[Expr]:
    """The operands of the comparisons in a `while` test (`tries < MAX`, `time.time() < deadline`),
    or of a `while True` body's counter exits, for loops.py to judge; None when nothing bounds it
    that way (`while True` without a counter, `while queue`)."""
    parts = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [test]
    operands: list[Expr] = []
    for part in parts:
        if isinstance(part, ast.Compare) and len(part.ops) == 1 and isinstance(part.ops[0], _ORDER):
            operands.extend((expr(part.left), expr(part.comparators[0])))
    if not operands:
        operands = _counter_exits(list(body), expr)
    return Items("t", tuple(operands)) if operands else None

"""Safe: one blocking call in an `async def` -> `await asyncio.to_thread(func, *args, **kwargs)`.

The call and its arguments stay the same; only the final call runs in a worker thread, so the
event loop is free while it waits. The user still waits: this is for single bounded calls (the
remedy only offers it for `blocking` work, never for heavy work, which would be a fake offload).

Where the blocking call is the receiver of another call that starts at the same place
(`open(path).read()`), the whole expression runs in the thread as `lambda: open(path).read()`,
but only when every name it reads is a local, a parameter, a builtin, an import or a module-level
name bound once (the coroutine is suspended while the thread runs, so those cannot change under
it).

Not rewritten: a call used as a context manager (`with open(...)`), a call in a lambda or
comprehension, a sleep (see asyncio-sleep), and calls whose receiver holds an `await`.
"""
from __future__ import annotations

import ast
from typing import Optional

import libcst as cst
from libcst.metadata import BuiltinScope, GlobalScope, ImportAssignment

from .changes import Changes, ImportChange
from .cst_nodes import read_only_visit
from .source import SourceFile
from .codemod_base import Codemod, Target, awaited, call_with_callee, loop_blocking_hop, needs_parentheses
from .early import ast_blocking_hop


HEAVY = ("heavy work also runs through this call: in a thread the user would still wait for it (a fake offload); "
         "move it to a task-queue job instead")
CONTEXT_MANAGER = ("the call is a context manager (`with ...`): move the whole block into a function and run it with "
                   "`await asyncio.to_thread(...)`, or use an async library")


class ToThread(Codemod):
    name = "to-thread"
    safety = "safe"

    def plan(self, target: Target, changes: Changes) -> Optional[str]:
        early = ast_blocking_hop(target)  # (the two refusals `ast` shows: no libcst parse for them)
        if early is not None:
            hop = target.finding.chain[early[0]]
            if (hop.path, hop.line, hop.col) in target.heavy_sites:
                return HEAVY
            if isinstance(early[1], ast.withitem):
                return CONTEXT_MANAGER
        index, source, call, reason = loop_blocking_hop(target, early[0] if early is not None else 0)
        if call is None or source is None or index is None:
            return reason
        hop = target.finding.chain[index]
        if (hop.path, hop.line, hop.col) in target.heavy_sites:
            return HEAVY
        if isinstance(source.parent(call), cst.WithItem):
            return CONTEXT_MANAGER
        outer = _outermost(source, call)
        if _has(outer, (cst.Await, cst.Yield, cst.NamedExpr)):
            return "the call's expression awaits or assigns: split it first"
        file = changes.file(source)
        if file.inside_claimed(outer):
            return "another fix rewrites this handler"
        if outer is not call:
            why = _lambda_unsafe(source, outer)
            if why:
                return why
        parenthesise = needs_parentheses(source, outer)

        if outer is call:
            def edit(_original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
                assert isinstance(updated, cst.Call)
                return awaited(call_with_callee("asyncio.to_thread", updated.func, updated), parenthesise)
        else:
            def edit(_original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
                assert isinstance(updated, cst.BaseExpression)
                thunk = cst.Lambda(params=cst.Parameters(), body=updated.with_changes(lpar=[], rpar=[]))
                return awaited(cst.Call(func=cst.parse_expression("asyncio.to_thread"), args=[cst.Arg(thunk)]),
                               parenthesise)

        file.add(outer, self.name, edit, order=10)
        file.add_imports.append(ImportChange("asyncio"))
        return None


def _outermost(source: SourceFile, call: cst.Call) -> cst.BaseExpression:
    """`open(p).read()` for the `open(p)` call: climb while the call is the receiver of a call."""
    current: cst.BaseExpression = call
    while True:
        parent = source.parent(current)
        grand = source.parent(parent) if parent is not None else None
        if isinstance(parent, cst.Attribute) and parent.value is current and isinstance(grand, cst.Call) \
                and grand.func is parent:
            current = grand
        else:
            return current


def _has(node: cst.CSTNode, kinds: tuple) -> bool:  # type: ignore[type-arg]
    found = False

    class Visitor(cst.CSTVisitor):
        def on_visit(self, n: cst.CSTNode) -> bool:
            nonlocal found
            if isinstance(n, kinds):
                found = True
            return not found and not isinstance(n, (cst.Lambda, cst.FunctionDef))

    read_only_visit(node, Visitor())
    return found


def _lambda_unsafe(source: SourceFile, expr: cst.CSTNode) -> Optional[str]:
    home = source.scope(expr)
    names: list[cst.Name] = []

    class Visitor(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            names.append(node)

    read_only_visit(expr, Visitor())
    scopes = {id(s): s for s in (source.scope(n) for n in names) if s is not None}
    for scope in scopes.values():
        for access in scope.accesses:
            if not _within(source, access.node, expr):
                continue
            if not access.referents:
                return f"`{access.node.value}` cannot be resolved here"
            for ref in access.referents:
                if ref.scope is home or ref.scope is scope or isinstance(ref.scope, BuiltinScope):
                    continue
                if isinstance(ref.scope, GlobalScope) and (isinstance(ref, ImportAssignment)
                                                           or _constant(source, ref.scope, ref.name)):
                    continue
                return (f"`{access.node.value}` is not local to the handler: running the expression in a "
                        f"thread could read it at another time")
    return None


def _constant(source: SourceFile, scope: GlobalScope, name: str) -> bool:
    """A module-level name bound once and never declared `global`: nothing can rebind it while the
    coroutine waits for the thread."""
    if len(scope.assignments[name]) != 1:
        return False
    rebinds = False

    class Visitor(cst.CSTVisitor):
        def visit_Global(self, node: cst.Global) -> None:
            nonlocal rebinds
            rebinds = rebinds or any(item.name.value == name for item in node.names)

    assert source.module is not None
    read_only_visit(source.module, Visitor())
    return not rebinds


def _within(source: SourceFile, node: cst.CSTNode, root: cst.CSTNode) -> bool:
    return node is root or any(a is root for a in source.ancestors(node))

"""What a codemod can tell from a file's `ast` before libcst parses it (astfile.py): the call a hop
names, and the blocking hop of an `async def` handler's chain, each chosen exactly as the libcst
lookups choose them (codemod_base.locate_call, loop_blocking_hop).

A codemod asks these first and refuses at once when they show why (a requests call that has its
timeout already; a call whose work is heavy, or that is a `with` item, for a thread); otherwise,
or when `ast` cannot tell, it goes on with libcst, which finds the same call and decides as it
always did. libcst's parse of a file costs about 15 times `ast`'s, and these refusals were most
of some applications' fix suggestions (ctfd's planning: 68 -> 10 ms). (In a file of a syntax
libcst cannot parse yet, such a call is refused for what `ast` shows, not for the parse.)
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional, Union

import libcst as cst

from .astfile import AstFile, enclosing_scope
from .codemod_base import _framework_root, _tail
from .movable import ASYNC_FOR, ASYNC_WITH, AWAITS, GLOBAL, NONLOCAL, RETURNS, YIELDS, quick_refusal
from .slices import split_lines

if TYPE_CHECKING:
    from .codemod_base import Target
    from .rules import RemedyCatalogue


def ast_hop_call(target: Target, index: int) -> Optional[tuple[ast.Call, list[ast.AST]]]:
    """The chain's hop `index` as `ast` reads it, with the nodes around it (astfile.calls_at),
    chosen as `locate_call` chooses; None when `ast` cannot tell (no such call, or several with
    no callee ending like the hop's call text), or when libcst has read the file already."""
    chain = target.finding.chain
    if not chain:
        return None
    hop = chain[index]
    syntax = target.sources.syntax(hop.path)
    calls = syntax.calls_at(hop.line, hop.col) if syntax is not None else []
    if not calls:
        return None
    wanted = _tail(hop.call)
    for call, around in reversed(calls):  # innermost first, as locate_call
        func = call.func
        if (func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else "") == wanted:
            return call, around
    return calls[-1] if len(calls) == 1 else None


def ast_blocking_hop(target: Target) -> Optional[tuple[int, Optional[ast.AST]]]:
    """(index, parent of its call) of the hop loop_blocking_hop finds: the first one from the
    handler that is not awaited, every hop before it awaited directly in an `async def`. None
    when `ast` cannot tell, or when loop_blocking_hop refuses on the way (it gives the reason)."""
    chain = target.finding.chain
    for index in range(len(chain)):
        if index == 0 and _framework_root(target) and len(chain) > 1:
            continue  # a dependency the framework runs (as loop_blocking_hop)
        found = ast_hop_call(target, index)
        if found is None and index > 0 and _names_definition(target, index):
            continue  # the method the awaited call runs (as loop_blocking_hop)
        if found is None or not isinstance(enclosing_scope(found[1]), ast.AsyncFunctionDef):
            return None
        parent = found[1][-1]
        if not isinstance(parent, ast.Await):
            return index, parent
    return None


def _names_definition(target: Target, index: int) -> bool:
    """codemod_base.names_definition from `ast`: the hop is at the `def` line of the method its
    call text names."""
    hop = target.finding.chain[index]
    syntax = target.sources.syntax(hop.path)
    node = syntax.function(hop.call) if syntax is not None else None
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno == hop.line


def handler_quick_refusal(target: Target) -> Optional[str]:
    """movable.quick_refusal on the handler's own `def`, parsed by libcst alone (its lines found by
    the file's `ast`): what keeps its work from moving to a worker (`self`, the request, an early
    return), told without the parse of the file around it; None when that says nothing, or when
    the `def` cannot be read alone. The function is the one the file's slice keeps whole (the
    handler's line is always in focus), so libcst reads the same code either way."""
    handler = target.handler
    if handler is None:
        return None
    syntax = target.sources.syntax(handler.path)
    if syntax is None:
        return None
    key = ("quick_refusal", handler.qualname)
    if key not in syntax.memo:  # (a handler's findings share it)
        syntax.memo[key] = _quick_refusal(syntax, handler.qualname, target.remedies)
    return syntax.memo[key]  # type: ignore[return-value]


def _quick_refusal(syntax: AstFile, qualname: str, remedies: RemedyCatalogue) -> Optional[str]:
    node = syntax.function(qualname)
    if node is None or not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.end_lineno is None:
        return None
    try:
        lines = split_lines(syntax.data.decode("utf-8"))
    except UnicodeDecodeError:
        return None
    forbidden = _forbidden(node, lines)
    if forbidden:  # (libcst's parse of a long handler alone costs about what its file's would)
        return forbidden
    indent = lines[node.lineno - 1][:node.col_offset]
    if indent.strip() or indent.startswith("\ufeff"):
        return None
    code = "".join(lines[node.lineno - 1:node.end_lineno])
    try:
        module = cst.parse_module(f"if 1:\n{code}" if indent else code)
    except (cst.ParserSyntaxError, ValueError, RecursionError):
        return None
    first: Optional[cst.CSTNode] = module.body[0] if module.body else None
    if indent and isinstance(first, cst.If) and isinstance(first.body, cst.IndentedBlock) and first.body.body:
        first = first.body.body[0]
    if not isinstance(first, cst.FunctionDef):
        return None
    return quick_refusal(first, remedies)


# movable.Forbidden's nodes, as `ast` names them; the definitions it does not enter.
_FORBIDDEN: dict[type, str] = {ast.Return: RETURNS, ast.Await: AWAITS, ast.Yield: YIELDS, ast.YieldFrom: YIELDS,
                               ast.AsyncFor: ASYNC_FOR, ast.AsyncWith: ASYNC_WITH, ast.Global: GLOBAL,
                               ast.Nonlocal: NONLOCAL}
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _forbidden(node: Union[ast.FunctionDef, ast.AsyncFunctionDef], lines: list[str]) -> Optional[str]:
    """movable.quick_refusal's first answer, from `ast`: what the work (the body but a docstring and
    a final `return` alone on its line) holds that a plain task function cannot, the first in the
    code, as libcst's visitor meets it. None when it holds none, or when the body may share the
    `def`'s line (libcst then tells "written on one line")."""
    body = list(node.body)
    first = body[0]
    if lines[first.lineno - 1][:first.col_offset].strip():
        return None  # not an indented block
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        body.pop(0)
    if body and isinstance(body[-1], ast.Return) and (len(body) == 1 or (body[-2].end_lineno or 0) < body[-1].lineno):
        body.pop()
    found: Optional[tuple[int, int, str]] = None
    stack: list[ast.AST] = list(body)
    while stack:
        sub = stack.pop()
        if isinstance(sub, _NESTED):
            continue
        reason = _FORBIDDEN.get(type(sub))
        if reason is not None:
            where = (sub.lineno, sub.col_offset, reason)  # type: ignore[attr-defined]
            found = where if found is None or where[:2] < found[:2] else found
            continue  # (what is inside it comes after it)
        stack.extend(ast.iter_child_nodes(sub))
    return found[2] if found is not None else None


__all__ = ["ast_blocking_hop", "ast_hop_call", "handler_quick_refusal"]

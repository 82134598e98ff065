"""What every codemod shares: the finding it works on (`Target`), the codemod contract, and small
libcst helpers (find the reported call, wrap it in `await`, add a keyword argument).

A codemod's `plan(target, changes)` either adds its edits to `changes` and returns None, or
returns the reason it cannot make the fix safely and adds nothing. Planning reads the original
tree only; `Changes.render` applies every planned edit in one pass per file.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Optional, Protocol, Union

import libcst as cst

from .changes import Changes
from .cst_nodes import read_only_visit
from .source import SourceFile
from .sources import Sources

if TYPE_CHECKING:
    from ..analysis.effects import Hop
    from ..analysis.findings import Finding
    from .queues import Stack
    from .rules import QueueInfo, RemedyCatalogue


class FixSettings(Protocol):
    """What codemods read of the user's settings (the front end's Config has it): the fix layer
    does not import the front end."""

    request_timeout: float


@dataclass
class Target:
    """One finding and everything a codemod may need to fix it."""

    finding: "Finding"
    sources: Sources
    remedies: "RemedyCatalogue"
    stack: "Stack"
    config: FixSettings
    notes: list[str] = field(default_factory=list)

    heavy_sites: frozenset = frozenset()  # (path, line, col) of every hop of a heavy finding

    @property
    def queue(self) -> Optional["QueueInfo"]:
        handler = self.finding.handler
        return self.stack.primary_for(self.sources.cwd / handler.path if handler is not None else None)

    @property
    def handler(self):  # type: ignore[no-untyped-def]
        return self.finding.handler

    def options(self, codemod: str) -> dict[str, Any]:
        return self.remedies.codemod_options.get(codemod, {})


class Codemod:
    name = ""
    safety = "safe"
    # True when the codemod rewrites a whole handler: planned before the others, which then
    # leave that handler alone.
    rewrites_handler = False

    def plan(self, target: Target, changes: Changes) -> Optional[str]:  # pragma: no cover - abstract
        raise NotImplementedError


# -- locating the reported call -----------------------------------------------------------------

def _tail(text: str) -> str:
    return text.rsplit(".", 1)[-1].split("(", 1)[0].strip()


def func_tail(call: cst.Call) -> str:
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return ""


def locate_call(source: SourceFile, line: int, col: int, call_text: str) -> Optional[cst.Call]:
    """The call reported at (line, col) whose callee ends like the hop's call text."""
    calls = source.calls_at(line, col)
    if not calls:
        return None
    wanted = _tail(call_text)
    for call in reversed(calls):  # innermost first: `requests.get(u).json()` reports `requests.get`
        if func_tail(call) == wanted:
            return call
    return calls[-1] if len(calls) == 1 else None


def hop_call(target: Target, index: int) -> tuple[Optional[SourceFile], Optional[cst.Call], Optional[str]]:
    """(source, call, None) for the chain's hop `index`, or (.., None, reason)."""
    chain = target.finding.chain
    if not chain:
        return None, None, "the finding has no call chain"
    hop = chain[index]
    source = target.sources.get(hop.path)
    if source.module is None:
        return source, None, f"{source.display}: {source.error}"
    call = locate_call(source, hop.line, hop.col, hop.call)
    if call is None:
        if index == 0 and _framework_root(target):
            return source, None, (f"the framework runs `{hop.call}` for the handler (a dependency or a class "
                                  f"attribute): fix the work where it is defined")
        return source, None, f"no call `{hop.call}` found at {source.display}:{hop.line}:{hop.col}"
    return source, call, None


def is_async_def(node: Optional[cst.CSTNode]) -> bool:
    return isinstance(node, cst.FunctionDef) and node.asynchronous is not None


def is_awaited(source: SourceFile, call: cst.Call) -> bool:
    return isinstance(source.parent(call), cst.Await)


def loop_blocking_hop(target: Target, start: int = 0) -> tuple[Optional[int], Optional[SourceFile], Optional[cst.Call],
                                                               Optional[str]]:
    """Where the event loop blocks: the first hop from the handler that is not awaited.

    Awaited hops call coroutine functions; the first call that is not awaited is the blocking one
    (the catalogued call itself, or a sync helper that reaches it). It must sit directly in an
    `async def` body (not in a lambda, comprehension or nested `def`). `start`: the hops before it
    are known to be awaited, each directly in an `async def` (early.ast_blocking_hop read them):
    their files need no libcst parse."""
    for index in range(start, len(target.finding.chain)):
        if index == 0 and _framework_root(target) and len(target.finding.chain) > 1:
            continue  # a dependency the framework runs (and awaits, when it is `async def`)
        source, call, reason = hop_call(target, index)
        if call is None and source is not None and index > 0 and names_definition(source, target.finding.chain[index]):
            continue  # the method the awaited call runs: its own calls come next
        if call is None or source is None:
            return None, source, None, reason
        scope = source.enclosing_scope(call)
        if not is_async_def(scope):
            kind = "a plain `def`" if isinstance(scope, (cst.FunctionDef, type(None))) else "a lambda or comprehension"
            where = f"{source.display}:{target.finding.chain[index].line}"
            return None, source, None, f"the call at {where} is in {kind}, not directly in an `async def`"
        if not is_awaited(source, call):
            return index, source, call, None
    return None, None, None, "every call on the chain is awaited"


def names_definition(source: SourceFile, hop: Hop) -> bool:
    """Whether a hop names the method that runs rather than a call: the override a subclass
    gives a stub (hierarchy.named), a hook or a receiver the framework runs. Such a hop is at the
    method's `def` line, and its call text is the method's qualified name."""
    name = hop.call.rsplit(".", 1)[-1]
    return (source.function(hop.call) is not None
            and re.match(rf"\s*(async\s+)?def\s+{re.escape(name)}\b", source.line_text(hop.line)) is not None)


def _framework_root(target: Target) -> bool:
    """True when the chain starts at work the framework runs for the handler (a `Depends(...)`
    provider), not at a call in its body."""
    handler, hop = target.handler, target.finding.chain[0]
    return handler is not None and any(r.path == hop.path and r.line == hop.line for r in handler.roots)


def matches(qualname: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(qualname, p) for p in patterns)


# -- building code ------------------------------------------------------------------------------

def needs_parentheses(source: SourceFile, node: cst.CSTNode) -> bool:
    """`await x` binds looser than `.attr`, `(...)` and `[...]`: `(await f()).json()`."""
    parent = source.parent(node)
    return ((isinstance(parent, cst.Attribute) and parent.value is node)
            or (isinstance(parent, cst.Call) and parent.func is node)
            or (isinstance(parent, cst.Subscript) and parent.value is node))


def awaited(expr: cst.BaseExpression, parenthesise: bool) -> cst.Await:
    if parenthesise:
        return cst.Await(expression=expr, lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.Await(expression=expr)


def dotted(text: str) -> Union[cst.Name, cst.Attribute]:
    parts = text.split(".")
    node: Union[cst.Name, cst.Attribute] = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def call_with_callee(name: str, callee: cst.BaseExpression, original: cst.Call) -> cst.Call:
    """`name(callee, *original.args)`, keeping the original call's line layout."""
    ws = original.whitespace_before_args
    multiline = isinstance(ws, cst.ParenthesizedWhitespace)
    if original.args:
        comma = cst.Comma(whitespace_after=ws if multiline else cst.SimpleWhitespace(" "))
        first = cst.Arg(value=callee, comma=comma)
    else:
        first = cst.Arg(value=callee)
    return cst.Call(func=dotted(name), args=[first, *original.args], whitespace_before_args=ws)


def add_keyword(call: cst.Call, keyword: str, value: cst.BaseExpression) -> cst.Call:
    """Append `keyword=value` to a call, one a line when the call has one argument a line."""
    new = cst.Arg(value=value, keyword=cst.Name(keyword),
                  equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                        whitespace_after=cst.SimpleWhitespace("")))
    args = list(call.args)
    if not args:
        return call.with_changes(args=[new])
    last = args[-1]
    if isinstance(last.comma, cst.Comma):  # a trailing comma: the new argument keeps it
        ws = call.whitespace_before_args
        if not isinstance(ws, cst.ParenthesizedWhitespace):
            ws = cst.SimpleWhitespace(" ")
        separator = args[-2].comma if len(args) > 1 and isinstance(args[-2].comma, cst.Comma) else \
            cst.Comma(whitespace_after=ws)
        args[-1] = last.with_changes(comma=separator)
        args.append(new.with_changes(comma=last.comma))
    else:
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(new)
    return call.with_changes(args=args)


def number(value: float) -> cst.BaseExpression:
    if float(value).is_integer():
        return cst.Integer(str(int(value)))
    return cst.Float(repr(float(value)))


def unique_name(wanted: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    name, n = wanted, 2
    while name in taken:
        name = f"{wanted}_{n}"
        n += 1
    return name


def names_bound_in(scope_node: cst.CSTNode) -> set[str]:
    """Every name assigned or read anywhere under a node (to pick fresh names)."""
    names: set[str] = set()

    class Visitor(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            names.add(node.value)

    read_only_visit(scope_node, Visitor())
    return names


def display_path(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()

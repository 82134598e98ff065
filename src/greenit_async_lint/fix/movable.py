"""What keeps a handler's work from moving to a worker, decided on the code alone: what a plain
task function cannot contain (an early return, `await`, `yield`, `global`), what a worker cannot
receive (the view instance, the request, objects bound to the application context), and a
response a 202 Accepted cannot stand in for (a file, a page, the work's own result: the fixer
writes no status or download route). `quick_refusal` needs no libcst metadata, so that a refused
fix costs no scope analysis; codemod_moving.plan_move asks the rest.
"""
from __future__ import annotations

from typing import Optional, Sequence

import libcst as cst

from .rules import FrameworkInfo, RemedyCatalogue
from .cst_nodes import read_only_visit
from .source import SourceFile


def is_docstring(statement: cst.BaseStatement) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


def final_return(statement: cst.BaseStatement) -> Optional[cst.Return]:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 \
            and isinstance(statement.body[0], cst.Return):
        return statement.body[0]
    return None


# What a plain task function cannot contain, by the node that shows it (outside nested definitions).
# early.py reads the same from `ast` (its `_FORBIDDEN`), to refuse without libcst.
RETURNS = "the handler returns from inside its work (an early response): split the checks from the work first"
AWAITS = "the work awaits coroutines, and a worker task is a plain function"
YIELDS = "the handler yields (a streaming response)"
ASYNC_FOR = "the work uses `async for`"
ASYNC_WITH = "the work uses `async with`"
GLOBAL = "the work assigns a global"
NONLOCAL = "the work assigns a nonlocal"


class Forbidden(cst.CSTVisitor):
    """Finds what a plain task function cannot contain (outside nested definitions)."""

    def __init__(self) -> None:
        self.reason: Optional[str] = None

    def _stop(self, reason: str) -> bool:
        self.reason = self.reason or reason
        return False

    def visit_FunctionDef(self, _node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, _node: cst.Lambda) -> bool:
        return False

    def visit_ClassDef(self, _node: cst.ClassDef) -> bool:
        return False

    def visit_Return(self, _node: cst.Return) -> bool:
        return self._stop(RETURNS)

    def visit_Await(self, _node: cst.Await) -> bool:
        return self._stop(AWAITS)

    def visit_Yield(self, _node: cst.Yield) -> bool:
        return self._stop(YIELDS)

    def visit_For(self, node: cst.For) -> bool:
        return self._stop(ASYNC_FOR) if node.asynchronous else True

    def visit_With(self, node: cst.With) -> bool:
        return self._stop(ASYNC_WITH) if node.asynchronous else True

    def visit_Global(self, _node: cst.Global) -> bool:
        return self._stop(GLOBAL)

    def visit_Nonlocal(self, _node: cst.Nonlocal) -> bool:
        return self._stop(NONLOCAL)


class _Bound(cst.CSTVisitor):
    """Names a function body binds (assignments, loop and `with` targets, walrus, except names)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def _add(self, node: Optional[cst.CSTNode]) -> None:
        if node is not None:
            for name in names_in([node]):
                self.names.add(name.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._add(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._add(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._add(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._add(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._add(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._add(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._add(node.target)

    def visit_Param(self, node: cst.Param) -> None:
        self._add(node.name)  # a nested function's or lambda's own parameter


def quick_refusal(function: cst.FunctionDef, remedies: RemedyCatalogue) -> Optional[str]:
    """A reason the handler's work cannot move that needs no metadata (see `plan_move`, which
    decides the rest): checked first, so that a refused fix costs no scope analysis."""
    if not isinstance(function.body, cst.IndentedBlock):
        return "the handler is written on one line"
    statements = list(function.body.body)
    if statements and is_docstring(statements[0]):
        statements.pop(0)
    if statements and final_return(statements[-1]) is not None:
        statements.pop()
    for statement in statements:
        visitor = Forbidden()
        read_only_visit(statement, visitor)
        if visitor.reason:
            return visitor.reason
    params = {p.name.value for p in ordered_params(function)} & remedies.never_params
    if params:
        bound = _Bound()
        read_only_visit(function.body, bound)
        for name in names_in(statements):
            if name.value in params and name.value not in bound.names:
                what = "the view instance" if name.value in ("self", "cls") else "the request or response object"
                return f"the work uses `{name.value}` ({what}), which a worker cannot receive"
    return None


_DATA = (cst.Dict, cst.List, cst.Tuple, cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)


def response_problem(source: SourceFile, final: Optional[cst.Return], returned: list[str],
                      info: "Optional[FrameworkInfo]") -> Optional[str]:
    """Why the response cannot become 202 Accepted with a status URL: it carries what the work
    produced (a file, a feed, a page built from it), or it is not plain data (a page, a redirect,
    a download) that the handler's clients would no longer get. The fixer writes no status or
    download route, so those stay as they are."""
    if final is None or final.value is None:
        return None
    code = cst.Module([]).code_for_node(final.value)
    if len(code) > 60:
        code = code[:57] + "..."
    if returned:
        names = ", ".join(f"`{n}`" for n in returned)
        return (f"the response (`{code}`) returns what the work produced ({names}): answering 202 instead needs "
                f"a status route and a download route for the result, which the fixer does not write; add them, "
                f"then queue the work")
    if not plain_data(source, final.value, info):
        return (f"the response (`{code}`) is not plain data (a page, a file or a redirect): its clients expect it, "
                f"and a 202 JSON answer with a status route the fixer does not write would break them")
    return None


def plain_data(source: SourceFile, value: cst.BaseExpression, info: "Optional[FrameworkInfo]") -> bool:
    """A literal, or the framework's own JSON response (one of the names its 202 answer imports,
    from its framework file) of literals: what a 202 with a status URL can stand in for."""
    if isinstance(value, _DATA) or (isinstance(value, cst.Name) and value.value in ("None", "True", "False")):
        return True
    if isinstance(value, cst.Call) and info is not None:
        responses = {f"{i.module}.{i.name}" for i in info.imports if i.name}
        return bool(source.qualified_names(value.func) & responses) and all(
            isinstance(arg.value, _DATA) or arg.keyword is not None for arg in value.args)
    return False


def context_attribute(roots: list[cst.CSTNode], attributes: tuple[str, ...]) -> Optional[str]:
    """The first `x.<attribute>` of the moved code whose attribute needs the app context."""
    if not attributes:
        return None
    found: list[str] = []

    class Visitor(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            if not found and node.attr.value in attributes:
                found.append(cst.Module([]).code_for_node(node))

    for root in roots:
        read_only_visit(root, Visitor())
    return found[0] if found else None


def names_in(roots: Sequence[cst.CSTNode]) -> list[cst.Name]:
    found: list[cst.Name] = []

    class Visitor(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            found.append(node)

    for root in roots:
        read_only_visit(root, Visitor())
    return found


def ordered_params(function: cst.FunctionDef) -> list[cst.Param]:
    p = function.params
    star = [p.star_arg] if isinstance(p.star_arg, cst.Param) else []
    return [*p.posonly_params, *p.params, *star, *p.kwonly_params, *([p.star_kwarg] if p.star_kwarg else [])]

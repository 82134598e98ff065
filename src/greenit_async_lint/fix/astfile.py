"""A file as `ast` reads it, for what a codemod can tell without libcst (early.py): the calls at
the position the analysis gave their call sites, and what encloses each. libcst's parse of a
file costs about 15 times `ast`'s, and many fixes are refused for a reason these show.

A lookup goes down from the module through the nodes that hold its position only (nodes without
a position of their own, `withitem`, `comprehension`, `arguments`, are gone through): neither
an index of every call nor every node's parent is built for the one or two calls asked for.
"""
from __future__ import annotations

import ast
from typing import Optional

from .slices import parse_for_slice

# What encloses a call as libcst's SourceFile.enclosing_scope sees it (source.SCOPE_NODES).
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp,
          ast.DictComp, ast.GeneratorExp)


_COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match,
             *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))
Function = (ast.FunctionDef, ast.AsyncFunctionDef)


class AstFile:
    def __init__(self, tree: ast.Module, data: bytes = b"") -> None:
        self.tree = tree
        self.data = data  # what was parsed
        self._found: dict[tuple[int, int], list[tuple[ast.Call, list[ast.AST]]]] = {}
        self._functions: Optional[dict[str, Optional[ast.AST]]] = None
        self.memo: dict[object, object] = {}  # what early.py found once for the file's findings

    def function(self, qualname: str) -> Optional[ast.AST]:
        """The `def` of `qualname` (names of the classes and functions around it, dotted), found as
        libcst's SourceFile.function finds it (branches of compound statements gone through); None
        when several have that name (libcst takes the first, which a slice may have made a stub)."""
        if self._functions is None:
            found: dict[str, Optional[ast.AST]] = {}

            def walk(body: list[ast.stmt], prefix: str) -> None:
                for statement in body:
                    if isinstance(statement, (*Function, ast.ClassDef)):
                        name = prefix + statement.name
                        if isinstance(statement, Function):
                            found[name] = None if name in found else statement
                        walk(statement.body, name + ".")
                    elif isinstance(statement, _COMPOUND):
                        walk(_branches(statement), prefix)

            walk(self.tree.body, "")
            self._functions = found
        return self._functions.get(qualname)

    @classmethod
    def parse(cls, data: bytes) -> Optional[AstFile]:
        """None when `ast` cannot read the bytes."""
        tree = parse_for_slice(data)
        return cls(tree, data) if tree is not None else None

    def calls_at(self, line: int, col: int) -> list[tuple[ast.Call, list[ast.AST]]]:
        """The calls at (line, 1-based column), where the analysis places call sites, outer first,
        each with the nodes around it (the module first, its parent last)."""
        found = self._found.get((line, col))
        if found is None:
            found = self._found[(line, col)] = []
            _descend(self.tree, (line, col - 1), [], found)
        return found


def _branches(statement: ast.stmt) -> list[ast.stmt]:
    """The statements directly inside a compound statement, in libcst's order (cst_nodes.bodies):
    its body, its handlers' or cases', its `else`, its `finally`."""
    out = list(getattr(statement, "body", ()))
    for part in (*getattr(statement, "handlers", ()), *getattr(statement, "cases", ())):
        out.extend(part.body)
    out.extend(getattr(statement, "orelse", ()))
    out.extend(getattr(statement, "finalbody", ()))
    return out


def enclosing_scope(around: list[ast.AST]) -> Optional[ast.AST]:
    """The innermost function, lambda, class or comprehension of `around` (calls_at)."""
    return next((node for node in reversed(around) if isinstance(node, SCOPES)), None)


def _descend(node: ast.AST, position: tuple[int, int], path: list[ast.AST],
             found: list[tuple[ast.Call, list[ast.AST]]]) -> None:
    if isinstance(node, ast.Call) and (node.lineno, node.col_offset) == position:
        found.append((node, list(path)))
    path.append(node)
    for child in ast.iter_child_nodes(node):
        start = getattr(child, "lineno", None)
        if start is not None:
            end_line = getattr(child, "end_lineno", None)
            if (start, child.col_offset) > position:  # type: ignore[attr-defined]
                continue
            if end_line is not None and (end_line, child.end_col_offset) <= position:  # type: ignore[attr-defined]
                continue
        _descend(child, position, path, found)
    path.pop()

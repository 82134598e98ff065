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


class AstFile:
    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self._found: dict[tuple[int, int], list[tuple[ast.Call, list[ast.AST]]]] = {}

    @classmethod
    def parse(cls, data: bytes) -> Optional[AstFile]:
        """None when `ast` cannot read the bytes."""
        tree = parse_for_slice(data)
        return cls(tree) if tree is not None else None

    def calls_at(self, line: int, col: int) -> list[tuple[ast.Call, list[ast.AST]]]:
        """The calls at (line, 1-based column), where the analysis places call sites, outer first,
        each with the nodes around it (the module first, its parent last)."""
        found = self._found.get((line, col))
        if found is None:
            found = self._found[(line, col)] = []
            _descend(self.tree, (line, col - 1), [], found)
        return found


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

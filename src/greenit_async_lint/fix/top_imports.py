"""The import lines at the top of a module, as libcst's AddImportsVisitor reads and writes them:
its visitor kept to those lines (`top_level`), and plain `import x` lines (`add_plain`) or absolute
`from m import x` ones (`add_from`) added where it would put them without running it: importing
libcst.codemod costs more than libcst itself (mealie's one BackgroundTasks fix: 200 ms). Used by
changes.py when it renders a file's edits."""
from __future__ import annotations

from functools import lru_cache
from typing import Optional, Sequence, Union

import libcst as cst
from libcst.helpers import get_full_name_for_node


@lru_cache(maxsize=None)
def top_level(visitor: type) -> type:
    """`visitor` (libcst's AddImportsVisitor) kept out of function and class bodies: it only changes
    the imports at the top of a module, and visiting every node of a large one was most of its cost."""

    class TopLevel(visitor):  # type: ignore[valid-type, misc]
        def on_visit(self, node: cst.CSTNode) -> bool:
            # It changes the module and the import lines at its top: nothing else is visited (an
            # unvisited statement is kept as the same node, which `_code` relies on).
            if isinstance(node, cst.BaseStatement) and not _is_import_line(node):
                return False
            return bool(super().on_visit(node))

        def visit_Module(self, node: cst.Module) -> None:
            # AddImportsVisitor first gathers the imports at the top of the module by visiting the
            # whole module, though it reads only the leading import lines (after a docstring): it
            # is given just those, the same nodes, so what it finds is the same.
            super().visit_Module(node.with_changes(body=_import_head(node.body)))

    return TopLevel


def add_plain(module: cst.Module, names: list[str]) -> cst.Module:
    """`module` with `import <name>` for each of `names` (sorted) the imports at its top do not
    already have, exactly where libcst's AddImportsVisitor (libcst 1.x) puts them: after the
    import lines that follow the module's docstring or `__strict__` flag, with an empty line
    before the next statement. What it reads of those lines is what its gatherer reads."""
    body = list(module.body)
    start = 1 if _skip_first(body) else 0
    end = start
    have: set[str] = set()
    while end < len(body):
        line = body[end]
        if not (isinstance(line, cst.SimpleStatementLine) and _is_import_line(line) and len(line.body) == 1):
            break
        small = line.body[0]
        if isinstance(small, cst.Import):
            have.update(alias.evaluated_name for alias in small.names if alias.asname is None)
        end += 1
    missing = [name for name in names if name not in have]
    if not missing:
        return module
    config = module.config_for_parsing
    added = [cst.parse_statement(f"import {name}", config=config) for name in missing]
    return _inserted(module, body, end, added)


def add_from(module: cst.Module, groups: list[tuple[str, list[str]]]) -> Optional[cst.Module]:
    """`module` with `from <m> import <names>` for each (module, names) of `groups`, as libcst's
    AddImportsVisitor (libcst 1.x) writes them: the names (sorted) put first in the first absolute
    `from <m> import` line at the top, else a new line after the import lines at the top, in
    `groups`' order. None where the top is not one such visitor's pass would read the same way (a
    relative import, several statements on one line, `import *`): the caller runs the visitor."""
    body = list(module.body)
    start = 1 if _skip_first(body) else 0
    end = start
    while end < len(body) and _is_import_line(body[end]):
        line = body[end]
        assert isinstance(line, cst.SimpleStatementLine)
        small = line.body[0]
        if len(line.body) != 1 or isinstance(small, cst.ImportFrom) and (
                small.relative or small.module is None or isinstance(small.names, cst.ImportStar)):
            return None
        end += 1
    added: list[cst.BaseStatement] = []
    config = module.config_for_parsing
    for name, objs in groups:
        at = next((i for i in range(start, end) if _from_module(body[i]) == name), None)
        if at is None:
            added.append(cst.parse_statement(f"from {name} import " + ", ".join(sorted(objs)), config=config))
            continue
        line = body[at]
        assert isinstance(line, cst.SimpleStatementLine) and isinstance(line.body[0], cst.ImportFrom)
        small = line.body[0]
        assert not isinstance(small.names, cst.ImportStar)
        names = [cst.ImportAlias(name=cst.Name(obj)) for obj in sorted(objs)]
        body[at] = line.with_changes(body=[small.with_changes(names=[*names, *small.names])])
    if not added:
        return module.with_changes(body=body)
    return _inserted(module, body, end, added)


Statement = Union[cst.SimpleStatementLine, cst.BaseCompoundStatement]


def _inserted(module: cst.Module, body: list[Statement], end: int, added: Sequence[cst.BaseStatement]) -> cst.Module:
    """`added` after the import lines at the top (`body[:end]`), with an empty line before the next
    statement, as AddImportsVisitor's `_insert_empty_line` leaves it."""
    after = body[end:]
    if after:
        first = after[0]
        if not first.leading_lines:
            after[0] = first.with_changes(leading_lines=(cst.EmptyLine(),))
        elif first.leading_lines[0].comment is not None:
            after[0] = first.with_changes(leading_lines=(cst.EmptyLine(), *first.leading_lines))
    return module.with_changes(body=(*body[:end], *added, *after))


def _from_module(stmt: cst.BaseStatement) -> Optional[str]:
    if not isinstance(stmt, cst.SimpleStatementLine) or not isinstance(stmt.body[0], cst.ImportFrom):
        return None
    small = stmt.body[0]
    return None if small.module is None else get_full_name_for_node(small.module)


def _skip_first(body: Sequence[cst.BaseStatement]) -> bool:
    """AddImportsVisitor's test: does the module start with a docstring or a `__strict__` flag?"""
    if not body or not isinstance(body[0], cst.SimpleStatementLine) or len(body[0].body) != 1:
        return False
    small = body[0].body[0]
    if isinstance(small, cst.Expr):
        return isinstance(small.value, cst.SimpleString)
    return (isinstance(small, cst.Assign) and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name) and small.targets[0].target.value == "__strict__")


def _is_import_line(stmt: cst.CSTNode) -> bool:
    return (isinstance(stmt, cst.SimpleStatementLine) and bool(stmt.body)
            and isinstance(stmt.body[0], (cst.Import, cst.ImportFrom)))


def _import_head(body: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """The first statement (a docstring, or an import) and the import lines that follow it."""
    head = list(body[:1])
    for stmt in body[1:]:
        if not _is_import_line(stmt):
            break
        head.append(stmt)
    return head

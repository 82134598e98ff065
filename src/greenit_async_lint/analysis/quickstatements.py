"""The newer statements the primer's applications use, rewritten on the text alone.

newsyntax.py rewrites a file `ast` rejects through libcst: its parse, transform and code
generation cost 20 to 30 times the file's `ast.parse`, plus importing libcst on a text check
(warehouse's 1,700-line `forklift/legacy.py` alone: 0.54 s of a 2 s check). These have a rewrite
that needs no tree:

- `except A, B:` (PEP 758, 3.14; readthedocs and warehouse: 33 files) gets its parentheses;
- `except* A:` (PEP 654, 3.11; warehouse) becomes `except A:`, as the libcst rewrite makes it;
- type parameters (PEP 695, 3.12; warehouse) are dropped: `def f[T](x)` -> `def f(x)`,
  `class C[T]:` -> `class C:`, and `type X[T] = v` -> `X = v`.

Each gives exactly the text the libcst rewrite gives (tests/test_newsyntax.py compares them), and
is taken only when the whole file then parses and every rewritten line is, in the new tree, the
statement the rewrite meant (a line of a string that reads like one is not). Anything else (a
type parameter list over several lines or holding a string, two rewrites of different kinds on one
line) is left to libcst. Lines stay where they were; columns move only on a rewritten line, as
they do through libcst. The f-strings are quicksyntax.py's.
"""
from __future__ import annotations

import ast
import re
from typing import Iterator, Optional

from .quicksyntax import CLOSE, OPEN, one_line_end  # the brackets, as the f-string reader counts them

# `except A, b.C:` starting its line: names, dots, commas and spaces, the colon right after the
# last name (libcst drops spaces before the colon: such a line is left to it).
_BARE_EXCEPT = re.compile(r"^([ \t]*except[ \t]+)([\w.]+[ \t]*,[\w., \t]*?[\w.])(:)", re.MULTILINE)
_EXCEPT_STAR_HEAD = re.compile(r"^([ \t]*)except[ \t]*\*[ \t]*", re.MULTILINE)
# `def f[`, `async def f[`, `class C[` starting their line: the name right before the bracket
# (libcst refuses `def f [T] (x)` when it drops the list, so that is left to it as well).
_GENERIC_HEAD = re.compile(r"^([ \t]*)((?:async[ \t]+)?(def|class)[ \t]+(\w+))\[", re.MULTILINE)
_TYPE_ALIAS = re.compile(r"^([ \t]*)type[ \t]+(\w+)[ \t]*(?=[\[=])", re.MULTILINE)
_EQUALS = re.compile(r"[ \t]*=(?!=)[ \t]*")  # after the alias's name and parameters


class _Rewrites:
    """What each rewritten line must be in the new tree, by line: (node kind, byte column of
    the node, its name or None); for a parenthesised tuple, the column of the tuple."""

    def __init__(self) -> None:
        self.expected: dict[int, tuple[str, int, Optional[str]]] = {}
        self.features: set[str] = set()
        self.failed = False

    def add(self, code: str, start: int, kind: str, column_text: str, name: Optional[str], feature: str) -> None:
        line = code.count("\n", 0, start) + 1
        # `except* A, B:` is both a handler and a tuple: the tuple's check says both. Any other two
        # rewrites on one line are left to libcst (the checks below would see one).
        if line in self.expected and not (self.expected[line][0] == "handler" and kind == "tuple"):
            self.failed = True
        self.expected[line] = (kind, len(column_text.encode("utf-8")), name)  # `ast` columns count bytes
        self.features.add(feature)

    def hold_in(self, tree: ast.Module) -> bool:
        seen = 0
        for node in _statements(tree.body):
            want = self.expected.get(getattr(node, "lineno", 0))
            if want is None:
                continue
            kind, column, name = want
            if kind == "tuple" and isinstance(node, ast.ExceptHandler):
                found = node.type
                if not isinstance(found, ast.Tuple) or found.lineno != node.lineno or found.col_offset != column:
                    return False
            elif kind == "handler" and isinstance(node, ast.ExceptHandler):
                if node.col_offset != column:
                    return False
            elif kind == "definition" and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if node.col_offset != column or node.name != name:
                    return False
            elif kind == "alias" and isinstance(node, ast.Assign):
                target = node.targets[0]
                if node.col_offset != column or len(node.targets) != 1 or not isinstance(target, ast.Name) \
                        or target.id != name:
                    return False
            else:
                continue
            seen += 1
        return seen == len(self.expected)


def _statements(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every statement and exception handler, nested ones included: all a rewrite makes, without
    `ast.walk`'s visit of every expression (a third of the rewrite's time on a large file)."""
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        yield node
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(node, name, None)
            if inner.__class__ is list:
                todo.extend(inner)


def rewritten_statements(text: str) -> Optional[tuple[str, frozenset[str]]]:
    """The text with its `except*` heads, bare exception tuples and type parameters rewritten as
    the libcst rewrite writes them, and the features it used; None when there is none of them,
    one cannot be read here with certainty, or the file still does not parse."""
    if not one_line_end(text):
        return None
    found = _Rewrites()

    def unstar(match: re.Match[str]) -> str:
        found.add(code, match.start(), "handler", match.group(1), None, "except*")
        return f"{match.group(1)}except "

    def parenthesise(match: re.Match[str]) -> str:
        found.add(code, match.start(), "tuple", match.group(1), None, "pep758")
        return f"{match.group(1)}({match.group(2)}){match.group(3)}"

    code = text
    code = _EXCEPT_STAR_HEAD.sub(unstar, code)
    code = _BARE_EXCEPT.sub(parenthesise, code)
    code = _without_type_parameters(code, found)
    if found.failed or not found.expected:
        return None
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return (code, frozenset(found.features)) if found.hold_in(tree) else None


def _without_type_parameters(code: str, found: _Rewrites) -> str:
    """`def f[T](`, `class C[T](` / `class C[T]:` lose their list; `type X[T] = v` becomes `X = v`."""
    pieces: list[str] = []
    done = 0
    for match in _GENERIC_HEAD.finditer(code):
        end = _bracket_end(code, match.end())
        if end is None or end >= len(code) or code[end] not in ("(" if match.group(3) == "def" else "(:"):
            found.failed = True
            return code
        found.add(code, match.start(), "definition", match.group(1), match.group(4), "pep695")
        pieces += [code[done:match.end() - 1]]
        done = end
    code = "".join(pieces) + code[done:]
    pieces, done = [], 0
    for match in _TYPE_ALIAS.finditer(code):
        after = match.end()
        if code[after] == "[":
            closed = _bracket_end(code, after + 1)
            if closed is None:
                found.failed = True
                return code
            after = closed
        equals = _EQUALS.match(code, after)
        if equals is None:
            found.failed = True
            return code
        found.add(code, match.start(), "alias", match.group(1), match.group(2), "pep695")
        pieces += [code[done:match.start()], f"{match.group(1)}{match.group(2)} = "]
        done = equals.end()
    return "".join(pieces) + code[done:]


def _bracket_end(code: str, start: int) -> Optional[int]:
    """The index after the `]` closing the bracket opened just before `start`, on the same line;
    None when the list holds a string, a comment or a line break (left to libcst)."""
    depth = 1
    for i in range(start, len(code)):
        c = code[i]
        if c in "'\"#\\\n\r":
            return None
        if c in OPEN:
            depth += 1
        elif c in CLOSE:
            depth -= 1
            if depth == 0:
                return i + 1 if c == "]" else None
    return None

"""The newer constructs the primer's applications use, rewritten on the text alone.

newsyntax.py rewrites a file `ast` rejects through libcst: its parse, transform and code
generation cost 20 to 30 times the file's `ast.parse`, plus importing libcst on a text check
(warehouse's 1,700-line `forklift/legacy.py` alone: 0.54 s of a 2 s check). The constructs real
applications use each have a rewrite that needs no tree:

- `except A, B:` (PEP 758, 3.14; readthedocs and warehouse: 33 files) gets its parentheses;
- `except* A:` (PEP 654, 3.11; warehouse) becomes `except A:`, as the libcst rewrite makes it;
- type parameters (PEP 695, 3.12; warehouse) are dropped: `def f[T](x)` -> `def f(x)`,
  `class C[T]:` -> `class C:`, and `type X[T] = v` -> `X = v`;
- an f-string whose expressions reuse its quote (`f'{row['id']}'`, PEP 701, 3.12; netbox,
  indico) gets those inner strings' quotes swapped (`f'{row["id"]}'`, same length).

Each gives exactly the text the libcst rewrite gives (tests/test_newsyntax.py compares them), and
is taken only when the whole file then parses and every rewritten line is, in the new tree, the
statement the rewrite meant (a line of a string that reads like one is not). Anything else (a
type parameter list over several lines or holding a string, a nested f-string, a prefixed or
escaped inner string, a format spec with fields, two kinds of f-string and statement rewrites in
one file) is left to libcst. Lines stay where they were; columns move only on a rewritten line,
as they do through libcst.
"""
from __future__ import annotations

import ast
import re
from typing import Iterator, Optional

PEP758 = "multiple exception types must be parenthesized"
# `except A, b.C:` starting its line: names, dots, commas and spaces, the colon right after the
# last name (libcst drops spaces before the colon: such a line is left to it).
_BARE_EXCEPT = re.compile(r"^([ \t]*except[ \t]+)([\w.]+[ \t]*,[\w., \t]*?[\w.])(:)", re.MULTILINE)
_EXCEPT_STAR = re.compile(r"\bexcept[ \t]*\*")
_EXCEPT_STAR_HEAD = re.compile(r"^([ \t]*)except[ \t]*\*[ \t]*", re.MULTILINE)
# `def f[`, `async def f[`, `class C[` starting their line: the name right before the bracket
# (libcst refuses `def f [T] (x)` when it drops the list, so that is left to it as well).
_GENERIC_HEAD = re.compile(r"^([ \t]*)((?:async[ \t]+)?(def|class)[ \t]+(\w+))\[", re.MULTILINE)
_TYPE_ALIAS = re.compile(r"^([ \t]*)type[ \t]+(\w+)[ \t]*(?=[\[=])", re.MULTILINE)
_PREFIXES = frozenset({"r", "u", "b", "br", "rb", "f", "fr", "rf"})
_OPEN, _CLOSE = "([{", ")]}"
_TRIES = 64  # f-string lines fixed, one parse each, before the file is left to libcst


def _plain_lines(text: str) -> bool:
    """No `except*` (the libcst rewrite also turns it into `except`) and no lone `\\r` (a line
    end for Python, not for the line counts here)."""
    return not _EXCEPT_STAR.search(text) and _one_line_end(text)


def _one_line_end(text: str) -> bool:
    return text.count("\r") == text.count("\r\n")


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
    if not _one_line_end(text):
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
        equals = re.compile(r"[ \t]*=(?!=)[ \t]*").match(code, after)
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
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
            if depth == 0:
                return i + 1 if c == "]" else None
    return None


def requoted_fstrings(text: str, reason: str, line: int) -> Optional[str]:
    """The text with the inner strings of its f-strings that reuse the outer quote swapped to
    the other quote, line by line where `ast` reports an f-string error (`reason`, at `line`),
    until the file parses; None when a line cannot be read so or the file still fails."""
    if not _plain_lines(text):
        return None
    lines = text.split("\n")
    swapped: set[tuple[int, int]] = set()  # (line, byte column) of each quote changed
    for _ in range(_TRIES):
        if not reason.startswith("f-string") or not 1 <= line <= len(lines):
            return None
        before = lines[line - 1]
        fixed = _requoted_line(before)
        if fixed is None or fixed == before:
            return None
        swapped.update((line, len(before[:col].encode("utf-8"))) for col, (a, b) in enumerate(zip(before, fixed))
                       if a != b)
        lines[line - 1] = fixed
        code = "\n".join(lines)
        try:
            tree = ast.parse(code)
        except SyntaxError as exc:
            reason, line = exc.msg or "", exc.lineno or 0
            continue
        except (ValueError, RecursionError, MemoryError):
            return None
        return code if swapped <= _inner_string_quotes(tree) else None
    return None


def _inner_string_quotes(tree: ast.Module) -> set[tuple[int, int]]:
    """(line, byte column) of both quotes of every one-line string in an f-string's expressions:
    the only places a swap may have touched (else the line was misread: libcst decides)."""
    out: set[tuple[int, int]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FormattedValue):
            for inner in ast.walk(node.value):
                if isinstance(inner, ast.Constant) and isinstance(inner.value, str) \
                        and inner.lineno == inner.end_lineno and inner.end_col_offset is not None:
                    out.update({(inner.lineno, inner.col_offset), (inner.lineno, inner.end_col_offset - 1)})
    return out


def _requoted_line(line: str) -> Optional[str]:
    """The line with its f-strings' inner strings requoted; None when something on it is not
    read here with certainty (a string still open at its end, a nested f-string, ...)."""
    chars = list(line)
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c == "#":
            break
        if c.isalpha() or c == "_":
            j = i
            while j < n and (line[j].isalnum() or line[j] == "_"):
                j += 1
            if j < n and line[j] in "'\"" and line[i:j].lower() in _PREFIXES:
                end = _fstring(line, j, chars) if "f" in line[i:j].lower() else _string(line, j)
                if end is None:
                    return None
                j = end
            i = j
        elif c.isdigit():
            while i < n and (line[i].isalnum() or line[i] in "._"):
                i += 1
        elif c in "'\"":
            end = _string(line, i)
            if end is None:
                return None
            i = end
        else:
            i += 1
    return "".join(chars)


def _string(line: str, start: int) -> Optional[int]:
    """The index after the string whose quote is at `start`; None if it does not end on the line."""
    quote = line[start]
    if line.startswith(quote * 3, start):
        end = line.find(quote * 3, start + 3)
        return end + 3 if end >= 0 and "\\" not in line[start:end] else None
    j = start + 1
    while j < len(line):
        if line[j] == "\\":
            j += 2
        elif line[j] == quote:
            return j + 1
        else:
            j += 1
    return None


def _fstring(line: str, start: int, chars: list[str]) -> Optional[int]:
    """The index after the one-line f-string whose quote is at `start`, swapping in `chars` the
    quotes of its expressions' inner strings that reuse its own, as libcst's rewrite does (an
    inner string holding the other quote is kept); None for what is not read here."""
    quote = line[start]
    other = "'" if quote == '"' else '"'
    if line.startswith(quote * 3, start):
        return None
    j, n = start + 1, len(line)
    while j < n:
        c = line[j]
        if c == "\\":
            j += 2
        elif c == quote:
            return j + 1
        elif line.startswith("{{", j) or line.startswith("}}", j):  # a brace written twice is text
            j += 2
        elif c == "{":
            end = _field(line, j + 1, quote, other, chars)
            if end is None:
                return None
            j = end
        elif c == "}":
            return None
        else:
            j += 1
    return None


def _field(line: str, j: int, quote: str, other: str, chars: list[str]) -> Optional[int]:
    """The index after the `}` closing a replacement field whose expression starts at `j`."""
    depth, n = 0, len(line)
    while j < n:
        c = line[j]
        if c in "'\"":
            if line.startswith(c * 3, j):
                return None
            end = line.find(c, j + 1)
            if end < 0 or "\\" in line[j:end]:
                return None
            if c == quote and other not in line[j + 1:end]:
                chars[j] = chars[end] = other
            j = end + 1
        elif c.isalpha() or c == "_":
            k = j
            while k < n and (line[k].isalnum() or line[k] == "_"):
                k += 1
            if k < n and line[k] in "'\"" and line[j:k].lower() in _PREFIXES:
                return None  # a prefixed inner string (a nested f-string among them)
            j = k
        elif c in "#\\":
            return None
        elif c in _OPEN:
            depth += 1
            j += 1
        elif c in _CLOSE:
            if depth == 0:
                return j + 1 if c == "}" else None
            depth -= 1
            j += 1
        elif depth == 0 and (c == ":" or (c == "!" and not line.startswith("!=", j))):
            # a conversion (`!r`) or a format spec: plain text up to the closing brace
            end = line.find("}", j)
            if end < 0 or any(x in line[j:end] for x in "{'\"\\"):
                return None
            return end + 1
        else:
            j += 1
    return None

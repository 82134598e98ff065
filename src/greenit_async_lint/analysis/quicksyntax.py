"""The newer f-strings the primer's applications use, rewritten on the text alone.

newsyntax.py rewrites a file `ast` rejects through libcst: its parse, transform and code
generation cost 20 to 30 times the file's `ast.parse`, plus importing libcst on a text check. An
f-string whose expressions reuse its quote (`f'{row['id']}'`, PEP 701, 3.12; netbox, indico) gets
those inner strings' quotes swapped (`f'{row["id"]}'`, same length: lines and columns stay), line
by line where `ast` reports the error. The statements (`except*`, bare exception tuples, type
parameters) are rewritten by quickstatements.py.

The rewrite gives exactly the text the libcst rewrite gives (tests/test_newsyntax.py compares
them), and is taken only when the whole file then parses and every quote changed is one of an
inner string; anything else (a nested f-string, a prefixed or escaped inner string, a format spec
with fields, a file that also needs statement rewrites) is left to libcst.
"""
from __future__ import annotations

import ast
import re
from typing import Optional

_EXCEPT_STAR = re.compile(r"\bexcept[ \t]*\*")
_PREFIXES = frozenset({"r", "u", "b", "br", "rb", "f", "fr", "rf"})
OPEN, CLOSE = "([{", ")]}"
_TRIES = 64  # f-string lines fixed, one parse each, before the file is left to libcst


def _plain_lines(text: str) -> bool:
    """No `except*` (the libcst rewrite also turns it into `except`) and no lone `\\r` (a line
    end for Python, not for the line counts here)."""
    return not _EXCEPT_STAR.search(text) and one_line_end(text)


def one_line_end(text: str) -> bool:
    """No lone `\\r`: a line end for Python, not for the line counts of the rewrites."""
    return text.count("\r") == text.count("\r\n")


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
        elif c in OPEN:
            depth += 1
            j += 1
        elif c in CLOSE:
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

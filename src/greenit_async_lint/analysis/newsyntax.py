"""Read files written for a newer Python than the one running the checker.

`ast` only knows the grammar of the interpreter it runs in, so on Python 3.11 a view module with
`f"{row["id"]}"` (PEP 701, 3.12), `def first[T](items: list[T])` (PEP 695, 3.12), `except A, B:`
(PEP 758, 3.14) or `t"..."` (PEP 750, 3.14) is a syntax error and its handlers would vanish from
the report. libcst's native parser knows those grammars; `downgrade` parses the file with it and
rewrites each newer construct into an older one that means the same *to the checker* (the same
names, calls and lines), then hands the text back to `ast`. The summary is then built exactly as
for any other file.

Rewrites keep every line where it was, so findings point at the real lines:
- an f-string whose expressions reuse its quote gets the inner strings' quotes swapped (same
  length: columns stay too); failing that, triple quotes; failing that, a tuple of its
  expressions (the checker needs the calls inside, not the text);
- type parameters are dropped (`def f[T](...)` -> `def f(...)`), `type X = ...` becomes `X = ...`;
- `except A, B:` gets its parentheses, `except*` becomes `except` (3.11 syntax on 3.10);
- a template string becomes an f-string.

Only files `ast` rejects come here, so the common path never imports libcst; and the newer
constructs real applications use are first rewritten on the text alone (quickstatements.py,
quicksyntax.py).
"""
from __future__ import annotations

import ast
import re
from typing import Any, Optional, Union

from . import quickstatements, quicksyntax

# The Python version each rewritten construct needs, for the message when a file still fails.
NEEDS = {"pep701": "3.12", "pep695": "3.12", "pep758": "3.14", "pep750": "3.14", "except*": "3.11"}


class NewerSyntax(Exception):
    """The file is not valid Python for any grammar libcst knows, or cannot be brought back."""


def _parses(code: str) -> bool:
    try:
        ast.parse(code, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _make_transformer() -> tuple[Any, Any]:  # built lazily so libcst loads only when needed
    import libcst as cst

    def code_of(node: cst.CSTNode) -> str:
        return cst.Module(body=[]).code_for_node(node)

    def swap_quotes(node: cst.FormattedString) -> cst.FormattedString:
        """Inner strings that reuse the outer quote switch to the other quote (same length)."""
        quote = node.start[-1]
        other = "'" if quote == '"' else '"'

        class Swap(cst.CSTTransformer):
            def leave_SimpleString(self, _original: Any, updated: Any) -> Any:
                body = updated.value
                prefix = body[: len(body) - len(body.lstrip("rRbBuUfF"))]
                rest = body[len(prefix):]
                if rest.startswith(quote * 3) or not rest.startswith(quote) or other in rest[1:-1]:
                    return updated
                return updated.with_changes(value=prefix + other + rest[1:-1] + other)

            def leave_FormattedString(self, _original: Any, updated: Any) -> Any:
                if updated.start.endswith(quote) and not updated.start.endswith(quote * 3) \
                        and other not in code_of(updated)[len(updated.start):-1]:
                    return updated.with_changes(start=updated.start[:-1] + other, end=other)
                return updated

        parts = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringExpression):
                part = part.with_changes(expression=part.expression.visit(Swap()))
            parts.append(part)
        return node.with_changes(parts=parts)

    def as_tuple(node: cst.FormattedString) -> cst.BaseExpression:
        """The f-string's expressions as a tuple, with the string's own line breaks kept."""
        pieces: list[str] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringExpression):
                pieces.append(code_of(part.expression) + ",")
            else:
                pieces.append("\n" * code_of(part).count("\n"))
        text = "(" + "".join(pieces) + ")"
        try:
            return cst.parse_expression(text)
        except Exception:
            return cst.parse_expression("()")

    def fix_fstring(node: cst.FormattedString) -> cst.BaseExpression:
        if _parses(code_of(node)):
            return node
        swapped = swap_quotes(node)
        if _parses(code_of(swapped)):
            return swapped
        quote = node.start[-1]
        if not node.start.endswith(quote * 3):
            tripled = swapped.with_changes(start=swapped.start + quote * 2, end=quote * 3)
            if _parses(code_of(tripled)):
                return tripled
        return as_tuple(node)

    class Downgrade(cst.CSTTransformer):
        def __init__(self) -> None:
            super().__init__()
            self.used: set[str] = set()

        def leave_FormattedString(self, _original: Any, updated: Any) -> Any:
            fixed = fix_fstring(updated)
            if fixed is not updated:
                self.used.add("pep701")
            return fixed

        def leave_TemplatedString(self, _original: Any, updated: Any) -> Any:
            self.used.add("pep750")
            text = code_of(updated.with_changes(lpar=[], rpar=[]))
            head = len(updated.start) - 1
            prefix = updated.start[:head].replace("t", "f").replace("T", "f")
            try:
                node = cst.parse_expression(prefix + text[head:])
            except Exception:
                return cst.parse_expression("()")
            if isinstance(node, cst.FormattedString):
                return fix_fstring(node).with_changes(lpar=updated.lpar, rpar=updated.rpar)
            return node

        def leave_FunctionDef(self, _original: Any, updated: Any) -> Any:
            if updated.type_parameters is not None:
                self.used.add("pep695")
                return updated.with_changes(type_parameters=None)
            return updated

        def leave_ClassDef(self, _original: Any, updated: Any) -> Any:
            if updated.type_parameters is not None:
                self.used.add("pep695")
                return updated.with_changes(type_parameters=None)
            return updated

        def leave_TypeAlias(self, _original: Any, updated: Any) -> Any:
            self.used.add("pep695")
            return cst.Assign(targets=[cst.AssignTarget(target=updated.name)], value=updated.value)

        def _parenthesise(self, updated: Any) -> Any:
            kind = updated.type
            if isinstance(kind, cst.Tuple) and not kind.lpar:
                self.used.add("pep758")
                return updated.with_changes(type=kind.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]))
            return updated

        def leave_ExceptHandler(self, _original: Any, updated: Any) -> Any:
            return self._parenthesise(updated)

        def leave_ExceptStarHandler(self, _original: Any, updated: Any) -> Any:
            updated = self._parenthesise(updated)
            self.used.add("except*")
            return cst.ExceptHandler(body=updated.body, type=updated.type, name=updated.name,
                                     leading_lines=updated.leading_lines,
                                     whitespace_after_except=cst.SimpleWhitespace(" "),
                                     whitespace_before_colon=updated.whitespace_before_colon)

        def leave_TryStar(self, _original: Any, updated: Any) -> Any:
            self.used.add("except*")
            return cst.Try(body=updated.body, handlers=updated.handlers, orelse=updated.orelse,
                           finalbody=updated.finalbody, leading_lines=updated.leading_lines,
                           whitespace_before_colon=updated.whitespace_before_colon)

    return cst, Downgrade


# libcst's native parser recurses on the C stack and dies with SIGSEGV (taking the whole check
# with it) at about 2,000 nested brackets. No newer grammar lifts `ast`'s own nesting limits, so a
# file `ast` refused for its depth, or one nested deeper than any real module, never goes there.
_LIMIT_MESSAGES = ("too many nested", "too many levels of indentation", "too many statically nested")
MAX_NESTING = 150
_BRACKETS = re.compile(r"[(\[{)\]}]")


def _nesting(text: str) -> int:
    """The deepest bracket nesting of the text, strings included (an over-estimate is safe)."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):  # the brackets only: a char loop took 3 ms a large file
        if match.group() in "([{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif depth:
            depth -= 1
    return deepest


def downgrade(text: str, reason: str = "", line: int = 0) -> tuple[str, frozenset[str]]:
    """`text` rewritten for the running `ast`, and the newer features it used.

    `reason` is the message `ast` gave, `line` the line it named. Raises NewerSyntax when libcst
    cannot parse the file either (a real syntax error), or when the file is too deeply nested to
    hand to libcst."""
    if any(limit in reason for limit in _LIMIT_MESSAGES) or _nesting(text) > MAX_NESTING:
        raise NewerSyntax("too deeply nested")
    if "\x00" in text:  # no grammar allows NUL bytes, and libcst's native parser crashes on them
        raise NewerSyntax("contains NUL bytes")
    # The constructs real applications use are rewritten on the text alone when they can be.
    if (statements := quickstatements.rewritten_statements(text)) is not None:
        return statements
    if reason.startswith("f-string") and (quick := quicksyntax.requoted_fstrings(text, reason, line)) is not None:
        return quick, frozenset({"pep701"})
    return full_rewrite(text)


def full_rewrite(text: str) -> tuple[str, frozenset[str]]:
    """`downgrade` through libcst, whatever the text holds: what the quick rewrites are tested
    against. Only for text `downgrade` would not refuse (libcst dies on deep nesting and NULs)."""
    cst, Downgrade = _make_transformer()
    try:
        module = cst.parse_module(text)
    except Exception as exc:  # libcst raises ParserSyntaxError, and RecursionError on deep nesting
        raise NewerSyntax(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    transformer = Downgrade()
    try:
        code = module.visit(transformer).code
    except Exception as exc:
        raise NewerSyntax(f"cannot be rewritten for this Python: {type(exc).__name__}") from None
    return code, frozenset(transformer.used)


def needed_python(features: Union[frozenset[str], set[str]]) -> Optional[str]:
    """The newest Python version among the features' needs ('3.12'), or None."""
    versions = [NEEDS[f] for f in features if f in NEEDS]
    return max(versions, key=lambda v: tuple(int(x) for x in v.split("."))) if versions else None

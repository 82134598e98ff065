"""Small readings of source text and expressions: decoding, `# noqa` comments, callee names,
the short source of a loop or a guard."""
from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import Optional

from .ir import Attr, Call, Def, Expr, Name, Subscript

_NOQA = re.compile(r"#\s*noqa(?::[\s]*(?P<codes>[A-Z][A-Z0-9]*(?:[,\s]+[A-Z][A-Z0-9]*)*))?", re.IGNORECASE)


def decode_source(data: bytes) -> str:
    """Decode as Python does (PEP 263 cookie or BOM, else UTF-8); raises SyntaxError/UnicodeDecodeError."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def noqa_map(text: str) -> dict[int, Optional[frozenset[str]]]:
    out: dict[int, Optional[frozenset[str]]] = {}
    if "noqa" not in text.lower():
        return out
    for number, line in enumerate(text.splitlines(), start=1):
        if "noqa" not in line.lower():
            continue
        match = _NOQA.search(line)
        if match:
            codes = match.group("codes")
            out[number] = None if not codes else frozenset(c.upper() for c in re.split(r"[,\s]+", codes) if c)
    return out


def dotted(expr: Expr) -> str:
    """Readable text of a callee expression: `requests.get`, `self.service.run`, `HANDLERS[...]`."""
    if isinstance(expr, Name):
        return expr.id
    if isinstance(expr, Attr):
        return f"{dotted(expr.base)}.{expr.attr}"
    if isinstance(expr, Call):
        return f"{dotted(expr.func)}(...)"
    if isinstance(expr, Subscript):
        return f"{dotted(expr.base)}[...]"
    if isinstance(expr, Def):
        return expr.qualname.rsplit(".", 1)[-1]
    return "<expr>"


def expr_tail(expr: Expr) -> str:
    if isinstance(expr, Name):
        return expr.id
    if isinstance(expr, Attr):
        return expr.attr
    if isinstance(expr, Call):
        return expr_tail(expr.func)
    return ""


def source_text(node: ast.AST, limit: int = 60, fallback: str = "<expr>") -> str:
    """The source of an `ast` node, cut to `limit` characters, for loops and guards in messages."""
    text = _plain(node)
    if text is None:
        try:
            text = ast.unparse(node)
        except Exception:  # pragma: no cover - unparse fails only on malformed trees
            return fallback
    return text if len(text) <= limit else text[: limit - 3] + "..."


# What `ast.unparse` writes for the plain expressions most loops and guards are made of, without
# its visitor (a class instance and a write buffer per call: 7 % of summarising): names, dotted
# names, calls, subscripts, constants, comparisons and `not`. Anything else (an operator whose
# operands may need parentheses, a float, an f-string...) is None, and `ast.unparse` writes it.
_CMP = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Is: "is",
        ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
_COLLECTIONS = {ast.Tuple: "()", ast.List: "[]", ast.Set: "{}"}


def _plain(node: ast.AST) -> Optional[str]:
    kind = type(node)
    if kind is ast.Compare:
        left = _atom(node.left)  # type: ignore[attr-defined]
        if left is None:
            return None
        parts = [left]
        for op, right in zip(node.ops, node.comparators):  # type: ignore[attr-defined]
            text = _atom(right)
            if text is None or type(op) not in _CMP:
                return None
            parts.append(f" {_CMP[type(op)]} {text}")
        return "".join(parts)
    if kind is ast.UnaryOp and type(node.op) is ast.Not:  # type: ignore[attr-defined]
        operand = node.operand  # type: ignore[attr-defined]
        text = _plain(operand) if type(operand) in (ast.Compare, ast.UnaryOp) else _atom(operand)
        return None if text is None else f"not {text}"
    return _atom(node)


def _atom(node: ast.AST) -> Optional[str]:
    """An expression that needs no parentheses wherever it stands (or brings its own)."""
    kind = type(node)
    if kind is ast.Name:
        return node.id  # type: ignore[attr-defined,no-any-return]
    if kind is ast.Attribute:
        if type(node.value) is ast.Constant:  # type: ignore[attr-defined]
            return None  # (`1 .real`: unparse spaces an integer out)
        base = _atom(node.value)  # type: ignore[attr-defined]
        return None if base is None else f"{base}.{node.attr}"  # type: ignore[attr-defined]
    if kind is ast.Constant:
        value = node.value  # type: ignore[attr-defined]
        if value is ...:
            return "..."
        if isinstance(value, (float, complex, tuple, frozenset)):
            return None
        return ("u" if node.kind == "u" else "") + repr(value)  # type: ignore[attr-defined]
    if kind is ast.Call:
        func = _atom(node.func)  # type: ignore[attr-defined]
        if func is None:
            return None
        args: list[str] = []
        for arg in node.args:  # type: ignore[attr-defined]
            starred = type(arg) is ast.Starred
            text = _atom(arg.value) if starred else _plain(arg)
            if text is None:
                return None
            args.append("*" + text if starred else text)
        for keyword in node.keywords:  # type: ignore[attr-defined]
            text = _plain(keyword.value) if keyword.arg is not None else _atom(keyword.value)
            if text is None:
                return None
            args.append(f"{keyword.arg}={text}" if keyword.arg is not None else f"**{text}")
        return f"{func}({', '.join(args)})"
    if kind is ast.Subscript:
        base = _atom(node.value)  # type: ignore[attr-defined]
        index = node.slice  # type: ignore[attr-defined]
        text = _atom(index) if type(index) in (ast.Name, ast.Attribute, ast.Constant) else None
        return None if base is None or text is None else f"{base}[{text}]"
    brackets = _COLLECTIONS.get(kind)
    if brackets is not None and node.elts:  # type: ignore[attr-defined]
        items = [_plain(e) for e in node.elts]  # type: ignore[attr-defined]
        if any(text is None for text in items) or any(type(e) is ast.Starred for e in node.elts):  # type: ignore[attr-defined]
            return None
        tail = "," if kind is ast.Tuple and len(items) == 1 else ""
        return f"{brackets[0]}{', '.join(items)}{tail}{brackets[1]}"  # type: ignore[arg-type]
    return None

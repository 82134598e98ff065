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
    try:
        text = ast.unparse(node)
    except Exception:  # pragma: no cover - unparse fails only on malformed trees
        return fallback
    return text if len(text) <= limit else text[: limit - 3] + "..."

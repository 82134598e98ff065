"""The short source of loops and guards reads as `ast.unparse` writes it, with or without its visitor."""
from __future__ import annotations

import ast

import pytest

from greenit_async_lint.analysis.sourcetext import _plain, source_text

SAME_AS_UNPARSE = [
    "x", "a.b.c", "a.b(c, *d, e=1, **f)", "f(a, b)(c)[0].y", "a['k']", "a[1:2]", "a[b, c]", "u'x'", "b'x'",
    "x is not None", "x in ('a', None)", "x not in [1, 2]", "x in {1}", "x in (1,)", "not a == b", "not not x",
    "not (a and b)", "(a == b) == c", "(not a) == b", "a < b <= c", "f(a == b, k=not c)", "f(*(a == b))",
    "f(**(a or b))", "(a, b).count(a)", "1 .real", "'s'.join(x)", "-1", "1.5", "x if y else z", "f(x for x in y)",
    "(a, b)", "()", "[]", "...", "f'{x}'", "lambda: 0", "a + b", "print(*args, sep='')", "'it\\'s'", "'a\\nb'",
]


@pytest.mark.parametrize("code", SAME_AS_UNPARSE)
def test_source_text_is_what_unparse_writes(code: str) -> None:
    node = ast.parse(code, mode="eval").body
    assert source_text(node, limit=1000) == ast.unparse(node)


def test_the_plain_path_leaves_what_needs_parentheses_to_unparse() -> None:
    for code in ("not (a and b)", "(a == b) == c", "(not a) == b", "f(*(a == b))", "1 .real", "1.5", "a + b"):
        assert _plain(ast.parse(code, mode="eval").body) is None, code
    assert _plain(ast.parse("x in ('a', None)", mode="eval").body) == "x in ('a', None)"


def test_long_text_is_cut() -> None:
    node = ast.parse("f(" + ", ".join(f"argument_{i}" for i in range(20)) + ")", mode="eval").body
    text = source_text(node)
    assert len(text) == 60 and text.endswith("...") and text.startswith("f(argument_0, ")

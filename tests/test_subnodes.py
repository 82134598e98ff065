"""subnodes.py's walk finds what ast.walk finds, but contexts and operators."""
from __future__ import annotations

import ast
from pathlib import Path

from greenit_async_lint.analysis.subnodes import subnodes

_SKIPPED = (ast.expr_context, ast.operator, ast.unaryop, ast.boolop, ast.cmpop)


def test_same_nodes_as_ast_walk_on_the_analyser_itself() -> None:
    import greenit_async_lint.analysis as analysis
    for path in sorted(Path(analysis.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        expected = [n for n in ast.walk(tree) if not isinstance(n, _SKIPPED)]
        found = list(subnodes(tree))
        assert len(found) == len(expected) and set(map(id, found)) == set(map(id, expected)), path


def test_none_keys_and_name_lists_are_not_nodes() -> None:
    tree = ast.parse("def f():\n    global a, b\n    return {**x, 'k': y}\n")
    assert sorted(n.id for n in subnodes(tree) if isinstance(n, ast.Name)) == ["x", "y"]

"""What a function's whole definition holds (bodyfacts.py): aliases of parameter tests and the
attributes it writes, each counted for every function a node is in, nested ones included."""
from __future__ import annotations

import ast

from greenit_async_lint.analysis.bodyfacts import BodyFacts, body_facts


def _facts(source: str) -> dict[str, BodyFacts]:
    (outer,) = ast.parse(source).body
    assert isinstance(outer, (ast.FunctionDef, ast.AsyncFunctionDef))
    return {node.name: facts for node, facts in body_facts(outer).items()}  # type: ignore[attr-defined]


def _aliases(facts: BodyFacts) -> dict[str, str]:
    return {name: ast.unparse(test) for name, test in facts.aliases.items()}


def test_a_local_bound_once_to_a_test_of_parameters_is_an_alias() -> None:
    facts = _facts("async def f(a, *, b=None):\n    use = a is not None and not b\n    other = a == 1\n"
                   "    other = True\n    reads = a > len(b)\n    own = x is None\n")
    assert _aliases(facts["f"]) == {"use": "a is not None and (not b)"}


def test_a_nested_function_binds_into_every_function_around_it() -> None:
    source = ("def outer(a):\n    use = a is None\n"
              "    def inner(b):\n        use = 1\n        keep = b is None\n        a = 2\n")
    facts = _facts(source)
    assert _aliases(facts["outer"]) == {}  # `use` is bound twice and `a` rebound, counting inner's
    assert _aliases(facts["inner"]) == {"keep": "b is None"}


def test_global_or_nonlocal_anywhere_inside_leaves_no_alias() -> None:
    source = ("def outer(a):\n    use = a is None\n"
              "    def inner(b):\n        nonlocal use\n        keep = b is None\n")
    facts = _facts(source)
    assert _aliases(facts["outer"]) == {} and _aliases(facts["inner"]) == {}


def test_attribute_writes_count_nested_functions_decorators_and_setattr() -> None:
    source = ("@register(lambda: setattr(cfg, 'x', 1))\ndef outer(obj, row):\n    obj.name = 1\n"
              "    row.count += 1\n    del obj.cache\n    obj.read()\n    self.a.b = 3\n"
              "    def inner():\n        row.seen: bool = True\n    return [1 for obj.it in row]\n")
    facts = _facts(source)
    assert facts["outer"].attr_writes == ("cfg.*", "obj.cache", "obj.it", "obj.name", "row.count", "row.seen")
    assert facts["inner"].attr_writes == ("row.seen",)

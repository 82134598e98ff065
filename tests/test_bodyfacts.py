"""What a function's whole definition holds (bodyfacts.py): aliases of parameter tests and the
attributes it writes, each counted for every function a node is in, nested ones included."""
from __future__ import annotations

import ast

from greenit_async_lint.analysis.bodyfacts import BodyFacts, binds_a_test, body_facts
from greenit_async_lint.analysis.ir import FileProblem
from greenit_async_lint.analysis.summarize import summarize


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


def _writes(source: str) -> dict[str, tuple[str, ...]]:
    """The attributes each function writes, as the summary builder collects them (statements.py)."""
    module = summarize(source.encode(), "m.py", "m", False)
    assert not isinstance(module, FileProblem)
    return {fn.name: fn.attr_writes for fn in module.functions.values() if fn.kind != "lambda"}


def test_attribute_writes_count_nested_functions_decorators_and_setattr() -> None:
    source = ("@register(lambda: setattr(cfg, 'x', 1))\ndef outer(obj, row):\n    obj.name = 1\n"
              "    row.count += 1\n    del obj.cache\n    obj.read()\n    self.a.b = 3\n"
              "    def inner():\n        row.seen: bool = True\n    return [1 for obj.it in row]\n")
    writes = _writes(source)
    assert writes["outer"] == ("cfg.*", "obj.cache", "obj.it", "obj.name", "row.count", "row.seen")
    assert writes["inner"] == ("row.seen",)


def test_attribute_writes_in_every_target_shape() -> None:
    """Tuple and starred targets, `with ... as`, `for`, `del` of several, a class body inside."""
    source = ("def f(a, b, c):\n    a.x, (b.y, *c.z) = 1, (2, 3)\n    with open(p) as a.f:\n        pass\n"
              "    for b.i in range(3):\n        pass\n    del a.d, [b.e]\n    a.n -= 1\n"
              "    class Local:\n        c.k = 1\n        def m(self):\n            self.v = 1\n"
              "    setattr(b, 'w', 2)\n    a.read().q = 1\n    return a.loaded\n\n"
              "def g(obj):\n    return obj.name\n")
    writes = _writes(source)
    assert writes["f"] == ("a.d", "a.f", "a.n", "a.x", "b.*", "b.e", "b.i", "b.y", "c.k", "c.z", "self.v")
    assert writes["m"] == ("self.v",) and writes["g"] == ()


def test_only_a_function_binding_a_name_to_a_test_needs_the_walk() -> None:
    """binds_a_test reads statements alone, nested blocks and functions included."""
    def first(source: str) -> ast.FunctionDef:
        node = ast.parse(source).body[0]
        assert isinstance(node, ast.FunctionDef)
        return node

    assert binds_a_test(first("def f(a):\n    if a:\n        for x in a:\n            try:\n"
                              "                pass\n            except E:\n                ok = x is None\n"))
    assert binds_a_test(first("def f(a):\n    def g():\n        ok = not a\n"))
    assert not binds_a_test(first("def f(a):\n    ok = a\n    x, y = a is None, 1\n    z = (w := a > 1)\n"))

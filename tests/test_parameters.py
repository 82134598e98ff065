"""Binding a call site's arguments (analysis/parameters.py): `bind`, the one binding the walk's
readers share (cascades, data volume, loops over a parameter, path conditions, passed callables),
`arg_value` for a catalogue's argument spec, and `Project.own_param`."""
from __future__ import annotations

from greenit_async_lint.analysis.ir import CallSite, Const, Function, Module, Name
from greenit_async_lint.analysis.parameters import arg_value, bind
from greenit_async_lint.analysis.project import Ctx, Project
from greenit_async_lint.analysis.summarize import summarize
from greenit_async_lint.catalogue.schema import ArgSpec


def _module(source: str) -> Module:
    module = summarize(source.encode(), "m.py", "m", False)
    assert isinstance(module, Module)
    return module


def _call(text: str) -> CallSite:
    return _module(text).scope.calls[0]


def _bind(fn: Function, text: str, method: bool = False) -> dict[str, object]:
    call = _call(text)
    return dict(bind(fn, method, call.args, call.kwargs))


REPO = _module("class Repo:\n    def delete(self, object, *, flush=False):\n        pass\n"
               "    @staticmethod\n    def build(kind, size=1):\n        pass\n")
DELETE, BUILD = REPO.functions["Repo.delete"], REPO.functions["Repo.build"]
ROLE, REPO_NAME, YES = Name("n", "role"), Name("n", "repo"), Const("k", True)


def test_positions_skip_self_on_a_bound_method_and_keywords_follow() -> None:
    assert _bind(DELETE, "r.delete(role)", method=True) == {"object": ROLE}
    assert _bind(DELETE, "Repo.delete(repo, role)") == {"self": REPO_NAME, "object": ROLE}
    assert _bind(DELETE, "r.delete(object=role, flush=True)", method=True) == {"object": ROLE, "flush": YES}
    assert "object" not in _bind(DELETE, "r.delete(flush=True)", method=True)  # not passed: absent


def test_a_staticmethod_has_no_self_to_skip() -> None:
    assert _bind(BUILD, "r.build(role)", method=True) == {"kind": ROLE}


def test_no_position_fills_a_keyword_only_parameter() -> None:
    fn = _module("def f(rows, *more, limit=None):\n    pass\n").functions["f"]
    assert _bind(fn, "f(role, repo)") == {"rows": ROLE}  # `repo` goes to *more, not to `limit`


def test_positions_stop_at_a_spread() -> None:
    fn = _module("def f(a, b, c):\n    pass\n").functions["f"]
    assert _bind(fn, "f(role, *items, repo)") == {"a": ROLE}  # `repo` may be any of b, c or neither
    assert _bind(fn, "f(*items, c=repo)") == {"c": REPO_NAME}


def test_a_keyword_no_parameter_has_goes_to_kwargs() -> None:
    fn = _module("def f(a, **options):\n    pass\n").functions["f"]
    assert _bind(fn, "f(role, callback=repo, **more)") == {"a": ROLE}


def test_a_positional_argument_wins_over_the_same_keyword() -> None:
    fn = _module("def f(a, /, **options):\n    pass\n").functions["f"]
    assert _bind(fn, "f(role, a=repo)") == {"a": ROLE}  # the keyword goes to **options


def test_arg_value_reads_the_keyword_then_the_position() -> None:
    spec = ArgSpec("", 1, "size")
    assert arg_value(_call("f(a, role)").args, (), spec) == ROLE
    call = _call("f(a, repo, size=role)")
    assert arg_value(call.args, call.kwargs, spec) == ROLE
    assert arg_value(_call("f(a)").args, (), spec) is None


def test_arg_value_knows_no_position_at_or_after_a_spread() -> None:
    spec = ArgSpec("", 1, None)
    assert arg_value(_call("f(*a, role)").args, (), spec) is None
    assert arg_value(_call("f(a, *role)").args, (), spec) is None
    assert arg_value(_call("f(a, role, *more)").args, (), spec) == ROLE


def test_own_param_is_a_parameter_of_the_function_itself() -> None:
    module = _module("def outer(x):\n    def inner(n):\n        return x + n\n    return inner\n")
    project = Project([module])
    assert project.own_param("x", Ctx(0, "outer")) is module.functions["outer"]
    assert project.own_param("n", Ctx(0, "outer.inner")) is module.functions["outer.inner"]
    assert project.own_param("x", Ctx(0, "outer.inner")) is None  # the enclosing function's
    assert project.own_param("x", Ctx(0, None)) is None

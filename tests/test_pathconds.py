"""Path sensitivity where it is cheap (issue 12, item 3): a caller's constant argument prunes the
branch of its callee that the parameter guards (pathconds.py), and a settings object's declared
default lowers the branch only a changed setting takes (settingdefaults.py)."""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Optional

import pytest

from greenit_async_lint.analysis.conditions import if_guards
from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.analysis.ir import UNKNOWN, Const, Expr, Function, Guard, Module, Name
from greenit_async_lint.analysis.parameters import bind
from greenit_async_lint.analysis.pathconds import guard_test, holds, omitted, param_conds
from greenit_async_lint.analysis.summarize import summarize
from greenit_async_lint.catalogue import load_catalogue
from greenit_async_lint.config import Config

# -- the summary: what an `if` records --------------------------------------------------------


def _convert(node: ast.expr) -> Expr:
    if isinstance(node, ast.Name):
        return Name("n", node.id)
    if isinstance(node, ast.Constant):
        return Const("k", node.value)
    return UNKNOWN


def _guards(test: str) -> tuple[tuple[Guard, ...], tuple[Guard, ...]]:
    return if_guards(ast.parse(test, mode="eval").body, _convert)


@pytest.mark.parametrize("test, kind, negated, value", [
    ("not dry_run", "truth", True, None),
    ("x is None", "none", False, None),
    ("None is not x", "none", True, None),
    ("skip is False", "is", False, False),
    ("skip is not True", "is", True, True),
    ("mode == 'inline'", "eq", False, "inline"),
    ("'inline' != mode", "eq", True, "inline"),
    ("level == 3", "eq", False, 3),
    ("kind in ('a', None)", "in", False, "('a', None)"),
    ("kind not in {'file'}", "in", True, "('file',)"),
])
def test_an_if_keeps_the_constant_its_test_compares_with(test: str, kind: str, negated: bool,
                                                          value: object) -> None:
    (body,), (orelse,) = _guards(test)
    assert (body.kind, body.negated, body.value) == (kind, negated, value)
    assert body.subject[0] == "n"
    assert (orelse.kind, orelse.negated, orelse.value) == (kind, not negated, value)


def _guards_of(source: str, tail: str) -> list[tuple[str, bool, str]]:
    fn = _function(source)
    (call,) = [cs for cs in fn.scope.calls if cs.tail == tail]
    return [(g.kind, g.negated, g.text) for g in call.guards]


@pytest.mark.parametrize("exit_", ["return", "return 0", "raise ValueError()"])
def test_an_early_exit_guards_the_rest_of_its_block(exit_: str) -> None:
    source = f"def f(dry_run, x):\n    if dry_run:\n        {exit_}\n    g()\n"
    assert _guards_of(source, "g") == [("truth", True, "dry_run")]
    source = "def f(dry_run, remote):\n    if dry_run or not remote:\n        return\n    g()\n"
    assert _guards_of(source, "g") == [("truth", True, "dry_run"), ("truth", False, "remote")]
    source = "def f(ok):\n    if ok:\n        pass\n    else:\n        return\n    g()\n"
    assert _guards_of(source, "g") == [("truth", False, "ok")]


def test_an_early_exit_guards_neither_its_enclosing_block_nor_a_branch_that_does_not_leave() -> None:
    source = ("def f(items, a, b):\n    for x in items:\n        if x:\n            continue\n        g()\n    h()\n"
              "    if a and b:\n        return\n    k()\n    if a:\n        m()\n    n()\n"
              "    if b:\n        return\n    else:\n        raise ValueError()\n")
    assert _guards_of(source, "g") == [("truth", True, "x")]
    assert _guards_of(source, "h") == []
    assert _guards_of(source, "k") == []  # the else of `a and b` says nothing about either
    assert _guards_of(source, "n") == []


def test_a_comparison_of_two_names_is_no_comparison_with_a_constant() -> None:
    (body,), _ = _guards("a == b")
    assert body.kind == "truth"


# -- the tests and their truth ----------------------------------------------------------------


@pytest.mark.parametrize("test, value, expected", [
    ("truth", True, True), ("truth", 0, False), ("!truth", True, False), ("!truth", "", True),
    ("none", None, True), ("none", False, False), ("!none", 0, True),
    ("is:False", False, True), ("is:False", 0, False), ("!is:True", True, False),
    ("eq:'inline'", "inline", True), ("eq:'inline'", "queued", False), ("!eq:'inline'", "queued", True),
    ("eq:3", 3, True), ("eq:3", 3.0, True),
])
def test_a_test_holds_for_the_constants_python_would_take_it_for(test: str, value: object, expected: bool) -> None:
    assert value is None or isinstance(value, (str, int, float, bool))
    assert holds(test, value) is expected


def test_a_constant_with_no_literal_leaves_the_test_undecided() -> None:
    assert holds("eq:inf", 1.0) and holds("!eq:inf", float("inf"))


def test_a_guard_is_written_as_kind_value_and_branch() -> None:
    assert guard_test(Guard("truth", Name("n", "x"), True, "x", ("x",))) == "!truth"
    assert guard_test(Guard("eq", Name("n", "m"), False, "m == 'a'", ("m",), "a")) == "eq:'a'"


# -- which parameters a function's guards test, and what a call passes them --------------------


def _module(source: str) -> Module:
    module = summarize(source.encode(), "m.py", "m", False)
    assert isinstance(module, Module)
    return module


def _function(source: str, qualname: str = "f") -> Function:
    return _module(source).functions[qualname]


def test_only_a_parameter_the_body_never_reassigns_makes_a_condition() -> None:
    fn = _function(
        "def f(self, dry_run, mode='a', path=None):\n"
        "    if path is None:\n"
        "        path = '/tmp'\n"
        "    if not dry_run and mode == 'b' and path and self:\n"
        "        g()\n")
    calls = [cs for cs in fn.scope.calls if cs.tail == "g"]
    assert param_conds(calls[0].guards, fn) == (("dry_run", "!truth"), ("mode", "eq:'b'"), ("self", "truth"))
    method = _function(
        "class C:\n    def f(self, dry_run):\n        if self and not dry_run:\n            g()\n", "C.f")
    calls = [cs for cs in method.scope.calls if cs.tail == "g"]
    assert param_conds(calls[0].guards, method) == (("dry_run", "!truth"),)


def test_arguments_bind_by_position_keyword_and_default() -> None:
    fn = _function("def f(root, dry_run=False, *, mode='queued', depth=compute()):\n    pass\n")
    call = _module("f(ROOT, True, depth=2)").scope.calls[0]
    bound = bind(fn, False, call.args, call.kwargs)
    assert bound["dry_run"] == Const("k", True) and bound["depth"] == Const("k", 2)
    assert bound["root"] == Name("n", "ROOT") and "mode" not in bound
    assert omitted(fn, "mode", call.args, call.kwargs) == "queued"  # not passed: its default
    assert omitted(fn, "dry_run", (), ()) is False and not isinstance(omitted(fn, "depth", (), ()), (int, str))


def test_a_spread_argument_may_carry_any_parameter() -> None:
    fn = _function("def f(root, dry_run=False):\n    pass\n")
    for text in ("f(*args)", "f(ROOT, **options)"):
        call = _module(text).scope.calls[0]
        assert "dry_run" not in bind(fn, False, call.args, call.kwargs)
        assert not isinstance(omitted(fn, "dry_run", call.args, call.kwargs), bool)


def test_a_bound_method_call_skips_self() -> None:
    fn = _function("class C:\n    def f(self, dry_run):\n        pass\n", "C.f")
    call = _module("obj.f(True)").scope.calls[0]
    assert bind(fn, True, call.args, call.kwargs)["dry_run"] == Const("k", True)


# -- end to end ---------------------------------------------------------------------------------

HEADER = """\
import shutil
from contextlib import contextmanager

from fastapi import FastAPI

app = FastAPI()


"""


def _findings(tmp_path: Path, source: str, min_confidence: Optional[str] = None) -> list[tuple[str, int, str, str]]:
    (tmp_path / "app.py").write_text(HEADER + source, "utf-8")
    options = {"cache": False, "jobs": 1, **({"min-confidence": min_confidence} if min_confidence else {})}
    report = analyse(["."], Config.from_mapping(options), cwd=tmp_path)
    offset = HEADER.count("\n")
    return [(f.code, f.line - offset, f.confidence, f.message) for f in report.findings]


CLEAN = "def clean(root, dry_run):\n    if not dry_run:\n        shutil.rmtree(root)\n\n\n"


@pytest.mark.parametrize("call, reported", [
    ("serve('/srv', type='file')", False),
    ("serve('/srv')", True),
    ("serve('/srv', type='directory')", True),
    ("serve('/srv', type=flag)", True),
])
def test_a_constant_outside_the_literal_a_membership_test_admits_rules_the_branch_out(
        tmp_path: Path, call: str, reported: bool) -> None:
    serve = ("def serve(root, type=None):\n    if type not in (None, 'directory'):\n        return None\n"
             "    shutil.make_archive('/tmp/x', 'zip', root)\n\n\n")
    source = serve + f"@app.get('/x')\ndef handler(flag: str):\n    {call}\n"
    assert bool(_findings(tmp_path, source)) == reported


@pytest.mark.parametrize("call, reported", [
    ("clean('/srv', dry_run=True)", False),
    ("clean('/srv', True)", False),
    ("clean('/srv', dry_run=False)", True),
    ("clean('/srv', flag)", True),
    ("clean('/srv', **options)", True),
])
def test_a_constant_argument_prunes_the_branch_its_parameter_guards(tmp_path: Path, call: str, reported: bool) -> None:
    source = CLEAN + f"@app.post('/x')\ndef handler(flag: bool, options: dict):\n    {call}\n"
    assert [f[:2] for f in _findings(tmp_path, source)] == ([("GAL104", 8)] if reported else [])


def test_the_default_decides_when_the_argument_is_not_passed(tmp_path: Path) -> None:
    source = ("def tidy(root, keep=True):\n    if keep is False:\n        shutil.rmtree(root)\n\n\n"
              "@app.post('/x')\ndef handler():\n    tidy('/srv')\n\n\n"
              "@app.post('/y')\ndef other():\n    tidy('/srv', keep=False)\n")
    assert [f[:2] for f in _findings(tmp_path, source)] == [("GAL104", 13)]


def test_the_else_branch_and_a_comparison_are_decided_too(tmp_path: Path) -> None:
    source = ("def export(root, mode='queued'):\n    if mode != 'inline':\n        pass\n    else:\n"
              "        shutil.make_archive('/tmp/x', 'zip', root)\n\n\n"
              "@app.post('/x')\ndef later():\n    export('/srv')\n\n\n"
              "@app.post('/y')\ndef now():\n    export('/srv', mode='inline')\n")
    assert [f[:2] for f in _findings(tmp_path, source)] == [("GAL104", 15)]


def test_a_context_manager_called_with_the_constant_skips_its_finally(tmp_path: Path) -> None:
    source = ("@contextmanager\ndef temp(auto_unlink=True):\n    try:\n        yield '/tmp/x'\n    finally:\n"
              "        if auto_unlink:\n            shutil.rmtree('/tmp/x')\n\n\n"
              "@app.get('/x')\ndef kept():\n    with temp(auto_unlink=False) as path:\n        return path\n\n\n"
              "@app.get('/y')\ndef removed():\n    with temp() as path:\n        return path\n")
    assert [f[:2] for f in _findings(tmp_path, source)] == [("GAL104", 18)]


def test_an_early_exit_on_a_parameter_is_decided_by_the_caller_too(tmp_path: Path) -> None:
    source = ("def mirror(root, dry_run, remote=False):\n    if dry_run or remote:\n        return 0\n"
              "    shutil.copytree(root, '/srv/mirror')\n\n\n"
              "@app.post('/x')\ndef remote():\n    mirror('/srv', False, remote=True)\n\n\n"
              "@app.post('/y')\ndef local():\n    mirror('/srv', False)\n")
    assert [f[:2] for f in _findings(tmp_path, source)] == [("GAL104", 14)]


def test_a_create_if_missing_early_return_is_low_confidence(tmp_path: Path) -> None:
    source = ("import os\n\n\n@app.post('/x')\ndef handler():\n    if os.path.exists('/srv/template'):\n"
              "        return 1\n    shutil.copytree('/opt/template', '/srv/template')\n")
    assert [f[:3] for f in _findings(tmp_path, source, "low")] == [("GAL104", 8, "low")]


def test_a_handler_s_own_parameter_is_request_data(tmp_path: Path) -> None:
    source = "@app.post('/x')\ndef handler(dry_run: bool = True):\n    if not dry_run:\n        shutil.rmtree('/srv')\n"
    assert [f[:2] for f in _findings(tmp_path, source)] == [("GAL104", 4)]


def test_a_condition_passed_on_is_decided_by_the_caller_s_caller(tmp_path: Path) -> None:
    # outer passes its own parameter on: the condition moves up to outer's parameter, and
    # outer's callers decide it (a constant, the default, or nothing known: kept).
    source = CLEAN + ("def outer(root, dry_run=True):\n    clean(root, dry_run)\n\n\n"
                      "@app.post('/x')\ndef handler():\n    outer('/srv', dry_run=True)\n\n\n"
                      "@app.post('/y')\ndef defaulted():\n    outer('/srv')\n\n\n"
                      "@app.post('/z')\ndef really():\n    outer('/srv', False)\n\n\n"
                      "@app.post('/w')\ndef asked(flag: bool):\n    outer('/srv', flag)\n")
    assert [f[:2] for f in _findings(tmp_path, source)] == [("GAL104", 22), ("GAL104", 27)]


def test_a_condition_moved_up_keeps_the_caller_s_own_guard(tmp_path: Path) -> None:
    source = CLEAN + ("def outer(root, dry_run, enabled):\n    if enabled:\n        clean(root, dry_run)\n\n\n"
                      "@app.post('/x')\ndef off():\n    outer('/srv', False, enabled=False)\n\n\n"
                      "@app.post('/y')\ndef dry():\n    outer('/srv', True, enabled=True)\n\n\n"
                      "@app.post('/z')\ndef on():\n    outer('/srv', False, enabled=True)\n")
    assert [f[:2] for f in _findings(tmp_path, source)] == [("GAL104", 23)]


def test_a_function_run_without_binding_its_parameters_keeps_its_work(tmp_path: Path) -> None:
    # clean is passed as a value and called inside apply with arguments outer's call site does not
    # bind: its condition on its own `dry_run` says nothing of outer's `dry_run`.
    source = CLEAN + ("def apply(job, dry_run):\n    job('/srv', False)\n\n\n"
                      "def outer(dry_run):\n    apply(clean, dry_run)\n\n\n"
                      "@app.post('/x')\ndef handler():\n    outer(dry_run=True)\n")
    assert [f[:2] for f in _findings(tmp_path, source)] == [("GAL104", 16)]


def test_a_recursive_helper_is_pruned_whatever_handler_comes_first(tmp_path: Path) -> None:
    walk = ("def walk(root, dry_run):\n    for child in root.iterdir():\n        walk(child, dry_run)\n"
            "    if not dry_run:\n        shutil.rmtree(root)\n\n\n")
    pruned = "@app.get('/a')\ndef summary():\n    walk(ROOT, dry_run=True)\n\n\n"
    kept = "@app.post('/b')\ndef clean_all():\n    walk(ROOT, dry_run=False)\n\n\n"
    first = _findings(tmp_path, "ROOT = None\n" + walk + pruned + kept)
    second = _findings(tmp_path, "ROOT = None\n" + walk + kept + pruned)
    assert [f[:2] for f in first] == [("GAL104", 16)]
    assert [f[:2] for f in second] == [("GAL104", 11)]


# -- settings defaults ------------------------------------------------------------------------

SETTINGS = """\
import dataclasses
import requests
from pydantic import BaseSettings, Field


class Base(BaseSettings):
    bundle_assets: bool = Field(default=True)
    mode: str = Field("queued")
    computed: bool = Field(default_factory=lambda: True)


@dataclasses.dataclass
class Settings(Base):
    show_banner: bool = dataclasses.field(default=False)
    DEBUG_SQL = False


settings = Settings()


"""


@pytest.mark.parametrize("test, body_low", [
    ("settings.bundle_assets", False),
    ("not settings.bundle_assets", True),
    ("settings.show_banner", True),
    ("settings.mode == 'inline'", True),
    ("settings.mode != 'inline'", False),
    ("settings.computed", False),
    ("settings.unknown", False),
])
def test_a_setting_s_declared_default_lowers_the_branch_it_rules_out(tmp_path: Path, test: str, body_low: bool) -> None:
    source = SETTINGS + (f"@app.get('/x')\nasync def handler():\n    if {test}:\n        requests.get('https://a')\n"
                         "    else:\n        requests.get('https://b')\n")
    found = {f[1]: f[2] for f in _findings(tmp_path, source, "low")}
    offset = SETTINGS.count("\n")
    known = test not in ("settings.computed", "settings.unknown")
    assert found == {offset + 4: "low" if body_low else "high", offset + 6: "low" if known and not body_low else "high"}


def test_the_reason_names_the_setting_and_its_default(tmp_path: Path) -> None:
    source = SETTINGS + ("@app.get('/x')\nasync def handler():\n    if settings.bundle_assets:\n        pass\n"
                         "    else:\n        open('/srv/vendor.json').read()\n")
    (message,) = [f[3] for f in _findings(tmp_path, source, "low")]
    assert "runs only when `settings.bundle_assets` is false; its default is True" in message
    assert _findings(tmp_path, source) == []  # low confidence: hidden by default


def test_a_feature_switched_off_by_default_still_reports_the_work_it_guards(tmp_path: Path) -> None:
    # `if not settings.show_banner: raise`: the rest is the feature itself, whoever turns it on pays.
    source = SETTINGS + ("@app.get('/x')\nasync def handler():\n    if not settings.show_banner:\n"
                         "        raise ValueError('off')\n    requests.get('https://a')\n")
    assert [f[2] for f in _findings(tmp_path, source, "low")] == ["high"]


def test_an_attribute_of_a_parameter_is_request_data_not_a_setting(tmp_path: Path) -> None:
    source = SETTINGS + ("@app.post('/x')\nasync def handler(body: Settings):\n    if body.show_banner:\n"
                         "        requests.get('https://a')\n")
    assert [f[2] for f in _findings(tmp_path, source, "low")] == ["high"]


def test_the_field_declarations_are_catalogue_data() -> None:
    fields = load_catalogue().offloads.field_defaults
    spec = fields.match("pydantic.Field")
    assert spec is not None and (spec.arg, spec.kwarg) == (0, "default")
    assert fields.match("dataclasses.field") is not None
    extended = load_catalogue({"extra-offloads": {"guards": {"field_defaults": [{"call": "myconf.option", "kwarg": "fallback"}]}}})
    assert extended.offloads.field_defaults.match("myconf.option") is not None


# -- more hops, aliases, elif exits, known types (issue 12) ------------------------------------


def test_a_local_naming_a_parameter_test_is_that_test() -> None:
    source = ("def f(overrides=None):\n    use = overrides is not None\n    if not use:\n        return {}\n"
              "    g()\n")
    assert _guards_of(source, "g") == [("none", True, "overrides is not None")]
    rebound = ("def f(overrides=None):\n    use = overrides is not None\n    use = True\n    if not use:\n"
               "        return {}\n    g()\n")
    assert _guards_of(rebound, "g") == [("truth", False, "use")]
    reads_a_call = "def f(x):\n    use = len(x) > 0\n    if not use:\n        return {}\n    g()\n"
    assert _guards_of(reads_a_call, "g") == [("truth", False, "use")]


def test_an_elif_that_leaves_guards_the_rest_too() -> None:
    source = ("def f(user, create=False):\n    if user:\n        return user\n    elif not create:\n"
              "        return None\n    g()\n")
    assert _guards_of(source, "g") == [("truth", True, "user"), ("truth", False, "create")]
    source = ("def f(user, create=False):\n    if user:\n        return user\n    elif create:\n"
              "        h()\n    g()\n")
    assert _guards_of(source, "g") == [("truth", True, "user")]


def test_a_default_decides_a_test_behind_an_alias_two_hops_down(tmp_path: Path) -> None:
    source = ("def context(doc, overrides):\n    use = overrides is not None\n    if not use:\n"
              "        return {}\n    shutil.rmtree(doc)\n\n\n"
              "def run(doc, overrides=None):\n    return context(doc, overrides)\n\n\n"
              "@app.post('/x')\ndef updated():\n    run('/srv')\n\n\n"
              "@app.post('/y')\ndef consumed(body: dict):\n    run('/srv', overrides=body)\n")
    assert [f[:2] for f in _findings(tmp_path, source)] == [("GAL104", 19)]


TYPED = """\
from pathlib import Path

import httpx
from pydantic import BaseModel


class Link(BaseModel):
    url: str


class Receipt:
    pass


def store(data, name):
    if isinstance(data, Path):
        shutil.copy2(data, name)
    elif isinstance(data, bytes):
        open(name, 'wb').write(data)


def fetch(url):
    if isinstance(url, str):
        return url
    elif isinstance(url, (list, tuple)):
        for u in url:
            httpx.head(u)


def notify(reg, receipt=None):
    if receipt is None:
        shutil.make_archive('/tmp/t', 'zip', reg)


"""


@pytest.mark.parametrize("call, codes", [
    ("store(b'x', 'n')", ["GAL104", "GAL109"]),  # a bytes literal is no constant the summary keeps: unknown
    ("store(httpx.get('u').read(), 'n')", ["GAL106", "GAL109"]),  # the reply's body is bytes
    ("store(Path('p'), 'n')", ["GAL104", "GAL109"]),
    ("store(str(1), 'n')", []),  # a str is neither a Path nor bytes
    ("store(body, 'n')", ["GAL104", "GAL109"]),  # unknown: both branches stay
    ("fetch(link.url)", []),  # a field declared `str` never takes the list branch
    ("fetch('https://a')", []),
    ("fetch(['https://a'])", ["GAL106"]),  # a list display: its type is not read, kept
    ("fetch(body)", ["GAL106"]),
    ("notify('/r', receipt=Receipt())", []),
    ("notify('/r', receipt=made)", []),
    ("notify('/r', receipt=body)", ["GAL104"]),
    ("notify('/r')", ["GAL104"]),
])
def test_an_argument_of_a_known_type_decides_isinstance_and_none(tmp_path: Path, call: str, codes: list[str]) -> None:
    source = TYPED + (f"@app.post('/x')\nasync def handler(body: dict, link: Link):\n    made = Receipt()\n"
                      f"    {call}\n")
    found = sorted({f[0] for f in _findings(tmp_path, source) if f[1] == TYPED.count("\n") + 4})
    assert found == codes


def test_an_abstract_or_unknown_class_leaves_isinstance_undecided(tmp_path: Path) -> None:
    source = ("import collections.abc\nimport somelib\n\n\n"
              "def store(data):\n    if isinstance(data, collections.abc.Sequence):\n        shutil.rmtree('/a')\n"
              "    if isinstance(data, somelib.Blob):\n        shutil.rmtree('/b')\n\n\n"
              "@app.post('/x')\ndef handler():\n    store(str(1))\n")
    assert [f[:2] for f in _findings(tmp_path, source)] == [("GAL104", 14)]
    assert len([f for f in _findings(tmp_path, source)]) == 1


# -- a field of a constructed argument (fieldconds.py) ------------------------------------------

FIELDS = """\
import requests
from pydantic import BaseModel, root_validator, validator


class Invoice(BaseModel):
    amount: int
    withdraw: str | None = None

    @validator("amount")
    def positive(cls, v):
        return v


class Recomputed(BaseModel):
    withdraw: str | None = None

    @root_validator
    def fill(cls, values):
        return values


def create(data):
    if data.withdraw:
        requests.get(data.withdraw)


def create_changed(data):
    data.withdraw = 'https://w'
    if data.withdraw:
        requests.get(data.withdraw)


def fee(data):
    create(data)


"""


@pytest.mark.parametrize("call, reported", [
    ("create(Invoice(amount=1))", False),  # the declared default, None
    ("create(Invoice(amount=1, withdraw=None))", False),
    ("create(Invoice(amount=1, withdraw='https://w'))", True),
    ("create(Invoice(amount=1, withdraw=url))", True),
    ("create(Invoice(1))", True),  # positional: not read as fields
    ("create(Recomputed())", True),  # a root validator may set any field
    ("create(body)", True),
    ("create_changed(Invoice(amount=1))", True),  # the callee sets the field itself
    ("fee(Invoice(amount=1))", False),  # moved up one hop
    ("made = Invoice(amount=1)\n    create(made)", False),
    ("made = Invoice(amount=1)\n    made.withdraw = url\n    create(made)", True),
])
def test_a_field_of_a_constructed_argument_decides_its_callee_s_branch(tmp_path: Path, call: str, reported: bool) -> None:
    source = FIELDS + f"@app.post('/x')\ndef handler(url: str, body: Invoice):\n    {call}\n"
    assert bool([f for f in _findings(tmp_path, source) if f[0] == "GAL106"]) is reported


# -- a setting passed as an argument (settingdefaults.argument_default) -------------------------

ENV_SETTINGS = """\
import os


def env_bool(key: str, default: str = "no") -> bool:
    return os.getenv(key, default).lower() in ("yes", "true", "1")


def env_text(key, default="true"):
    return os.getenv(key, default)


ALLOW_INTERNAL = env_bool("APP_ALLOW_INTERNAL", "true")
STRICT = env_bool("APP_STRICT")
LOOSE = env_text("APP_LOOSE")
CHECKED = False
"""


@pytest.mark.parametrize("argument, confidence", [
    ("settings.ALLOW_INTERNAL", "low"),  # default "true": the lookup runs only when it is turned off
    ("settings.STRICT", "high"),  # default "no": the lookup runs by default
    ("settings.LOOSE", "high"),  # a helper not declared `-> bool`: its string is not read as a word
    ("settings.CHECKED", "high"),
    ("not settings.CHECKED", "high"),
    ("flag", "high"),
])
def test_a_setting_passed_as_an_argument_lowers_the_branch_its_default_rules_out(
        tmp_path: Path, argument: str, confidence: str) -> None:
    (tmp_path / "settings.py").write_text(ENV_SETTINGS, "utf-8")
    source = ("import socket\nfrom django.conf import settings\n\n\n"
              "def validate(host, allow_internal=False):\n    if not allow_internal:\n"
              "        socket.getaddrinfo(host, 443)\n\n\n"
              f"@app.get('/x')\nasync def handler(host: str, flag: bool):\n    validate(host, allow_internal={argument})\n")
    assert [f[2] for f in _findings(tmp_path, source, "low")] == [confidence]
    if confidence == "low":
        (message,) = [f[3] for f in _findings(tmp_path, source, "low")]
        assert "runs only when `settings.ALLOW_INTERNAL` is false; its default is True" in message


@pytest.mark.parametrize("build, confidence", [
    ("config = Config()", "low"),  # its constructor sets `allow` from the setting, true by default
    ("config = Config()\n    config.allow = False", "high"),  # changed before it is passed on
])
def test_a_field_set_from_a_setting_in_the_constructor_is_that_setting(tmp_path: Path, build: str,
                                                                      confidence: str) -> None:
    (tmp_path / "settings.py").write_text(ENV_SETTINGS, "utf-8")
    source = ("import dataclasses\nimport socket\nfrom django.conf import settings\n\n\n"
              "@dataclasses.dataclass\nclass Config:\n    allow: bool = dataclasses.field(init=False)\n\n"
              "    def __post_init__(self):\n        self.allow = settings.ALLOW_INTERNAL\n\n\n"
              "def validate(host, allow_internal=False):\n    if not allow_internal:\n"
              "        socket.getaddrinfo(host, 443)\n\n\n"
              "def connect(host, config: Config):\n    validate(host, allow_internal=config.allow)\n\n\n"
              f"@app.get('/x')\nasync def handler(host: str):\n    {build}\n    connect(host, config)\n")
    assert [f[2] for f in _findings(tmp_path, source, "low")] == [confidence]

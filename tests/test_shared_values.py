"""Equal values made once: the summariser's names, attribute chains and constants, and the
evaluator's results. Sharing saves a large project's memory (10,000 generated files: 1.5 -> 1.0
GiB); it must never merge values that are only equal (`1 == True == 1.0`, and a NamedTuple equals
a plain tuple of its fields), and never change what the analysis finds."""
from __future__ import annotations

import pytest

from greenit_async_lint.analysis import sharing
from greenit_async_lint.analysis.evaluate import Evaluator
from greenit_async_lint.analysis.ir import Attr, CallSite, Const, Module, Name
from greenit_async_lint.analysis.project import Ctx, Project
from greenit_async_lint.analysis.summarize import summarize
from greenit_async_lint.analysis.sharing import Results, same_types
from greenit_async_lint.analysis.values import Candidates, External
from greenit_async_lint.catalogue.load import load_catalogue

VIEWS = """
import requests
from django.db import models

def one(request):
    requests.post(URL, timeout=1)
    models.Model.objects.all()
    n = (1).real
    b = True.real
    f = 1.0

def two(request):
    requests.post(URL, timeout=True)
    models.Model.objects.all()
"""


def _module(source: str, name: str = "app.views") -> Module:
    module = summarize(source.encode(), name.replace(".", "/") + ".py", name, False)
    assert isinstance(module, Module)
    return module


def _calls(module: Module, function: str) -> list[CallSite]:
    return module.functions[function].scope.calls


def test_names_and_attribute_chains_are_one_object_across_functions_and_files() -> None:
    first, second = _module(VIEWS), _module(VIEWS, "app.other")
    post_one, all_one = _calls(first, "one")
    post_two, all_two = _calls(first, "two")
    assert post_one.func == Attr("a", Name("n", "requests"), "post") and post_one.func is post_two.func
    assert all_one.func is all_two.func is _calls(second, "one")[1].func
    assert post_one.text is post_two.text == "requests.post"  # the callee's text too
    assert post_one.kwargs[0][1] == Const("k", 1) and post_two.kwargs[0][1] == Const("k", True)
    assert type(post_one.kwargs[0][1].value) is int and type(post_two.kwargs[0][1].value) is bool


def test_only_equal_values_are_never_merged() -> None:
    module = _module(VIEWS)
    bindings = module.functions["one"].scope.names
    n, b = bindings["n"][0], bindings["b"][0]
    assert n == Attr("a", Const("k", 1), "real") and type(n.base.value) is int
    assert b == Attr("a", Const("k", True), "real") and type(b.base.value) is bool
    f = bindings["f"][0]
    assert type(f.value) is float and f.value == 1.0 and f is not _module(VIEWS).functions["one"].scope.names["f"][0]


def test_a_full_table_starts_again_and_summaries_stay_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _module(VIEWS)
    monkeypatch.setattr(sharing, "_SHARED_MAX", 3)
    sharing.forget()
    assert _module(VIEWS) == expected
    assert len(sharing._SHARED) <= 3


def test_results_that_are_only_equal_are_never_merged() -> None:
    """Candidates carry their keys, and 1 == True == 1.0: such a result is shared only with one of
    the same types all the way down."""
    results = Results()
    ones = [(Candidates("cands", (External("ext", "a"),), (key,)),) for key in (1, True, 1.0)]
    assert [results(r) for r in ones] == ones and all(results(r) is r for r in ones)
    assert [type(r[0].keys[0]) for r in map(results, ones)] == [int, bool, float]
    again = (Candidates("cands", (External("ext", "a"),), (1,)),)
    assert results(again) is ones[0]
    assert same_types((External("ext", "a"),), (External("ext", "a"),))
    assert not same_types((1,), (True,)) and not same_types((1,), (1.0,))
    assert not same_types(Const("k", 1), ("k", 1)) and not same_types(((1,), "x"), ((True,), "x"))
    plain = (External("ext", "requests.post"),)
    assert results(tuple([External("ext", "".join(["requests", ".post"]))])) is results(plain)


def test_the_evaluators_equal_results_are_one_object() -> None:
    module = _module(VIEWS)
    ev = Evaluator(Project([module]), load_catalogue())
    first = ev.eval(_calls(module, "one")[0].func, Ctx(0, "one"))
    second = ev.eval(_calls(module, "two")[0].func, Ctx(0, "two"))
    assert first == (External("ext", "requests.post"),) and first is second
    assert ev.eval(_calls(module, "one")[0].func, Ctx(0, "one")) is first  # and remembered


def test_the_analysis_objects_do_not_outlive_the_analysis(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The evaluator, its lookups and the project refer to each other; the cyclic collector is off
    during the analysis and frozen after it, so the engine empties them: their memos and the
    summaries are freed as the analysis returns, before the fixes and the output."""
    import gc
    import weakref

    from greenit_async_lint.analysis import engine
    from greenit_async_lint.analysis.options import AnalysisOptions

    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "views.py").write_text(
        "import requests\nfrom flask import Flask\napp = Flask(__name__)\n\n"
        "@app.route('/sync')\ndef sync():\n    for i in range(100):\n        requests.post('http://x', json=i)\n")
    engine._bind_analysis()
    made: list[weakref.ref[object]] = []
    real = engine.Evaluator

    def evaluator(project: Project, *args: object) -> Evaluator:
        ev = real(project, *args)  # type: ignore[arg-type]
        made.extend([weakref.ref(ev), weakref.ref(project), weakref.ref(ev.classes)])
        return ev
    monkeypatch.setattr(engine, "Evaluator", evaluator)
    enabled = gc.isenabled()
    gc.disable()
    try:
        report = engine.analyse(["."], AnalysisOptions(cache=False), cwd=tmp_path)
        assert [f.code for f in report.findings] == ["GAL106"]  # (the analysis did run)
        assert made and all(ref() is None for ref in made)
    finally:
        if enabled:
            gc.enable()

"""The project index: lookups by callee tail and decorator in project order, methods by pattern."""
from __future__ import annotations

from greenit_async_lint.analysis.index import ProjectIndex
from greenit_async_lint.analysis.project import Ctx, Project
from greenit_async_lint.analysis.summarize import summarize

VIEWS = b'''
import flask
bp = flask.Blueprint("b", __name__)
bp.add_url_rule("/a", view_func=None)
register("x")

@bp.route("/b")
def b():
    bp.add_url_rule("/c", view_func=b)
    REGISTRY["k"] = b

@other
def plain():
    register("y")

class View:
    def get(self): ...
    def post(self): ...
    def helper(self): ...
'''
URLS = b'''
from views import bp
bp.add_url_rule("/d", view_func=None)
'''


def _index() -> ProjectIndex:
    modules = [summarize(VIEWS, "views.py", "views", False), summarize(URLS, "urls.py", "urls", False)]
    return ProjectIndex(Project(modules))


def test_calls_by_tail_keep_project_order_across_modules_and_scopes() -> None:
    index = _index()
    found = [(cs.line, ctx[0], ctx[1]) for _seq, cs, ctx in index.calls({"add_url_rule"})]
    # module body before its functions, modules in project order
    assert found == [(4, 0, None), (9, 0, "b"), (3, 1, None)]


def test_several_tails_merge_into_one_ordered_stream_without_repeats() -> None:
    index = _index()
    lines = [(ctx[0], cs.line, cs.tail) for _seq, cs, ctx in index.calls(["register", "add_url_rule", "register"])]
    assert lines == [(0, 4, "add_url_rule"), (0, 5, "register"), (0, 9, "add_url_rule"), (0, 14, "register"),
                     (1, 3, "add_url_rule")]
    assert list(index.calls(["nothing"])) == []


def test_no_tails_means_every_call_site() -> None:
    index = _index()
    every = list(index.calls(None))
    assert len(every) == sum(len(m.scope.calls) + sum(len(f.scope.calls) for f in m.functions.values())
                             for m in index.p.mods)
    assert [e.seq for e in every] == sorted(e.seq for e in every)


def test_decorated_functions_by_decorator_tail() -> None:
    index = _index()
    assert [fn.qualname for _s, _mi, fn in index.decorated({"route"})] == ["b"]
    assert [fn.qualname for _s, _mi, fn in index.decorated({"route", "other"})] == ["b", "plain"]
    assert [fn.qualname for _s, _mi, fn in index.decorated(None)] == ["b", "plain"]


def test_stores_name_the_storing_function() -> None:
    stores = _index().stores()
    assert [(s.ctx, s.fn.qualname if s.fn else None) for s in stores] == [(Ctx(0, "b"), "b")]


def test_methods_by_glob_pattern() -> None:
    index = _index()
    assert index.methods(0, "View", ("get", "p*")) == [("get", "View.get"), ("post", "View.post")]
    assert index.methods(0, "View", ("delete",)) == []
    assert index.methods(0, "Missing", ("get",)) == []


def test_lookups_before_and_after_a_full_listing_agree_without_repeats() -> None:
    index = _index()
    some = [e.seq for e in index.calls({"add_url_rule"})]
    decorated = [fn.qualname for _s, _mi, fn in index.decorated({"route"})]
    every = list(index.calls(None))
    assert len({e.seq for e in every}) == len(every)  # nothing indexed twice
    assert [e.seq for e in index.calls({"add_url_rule"})] == some
    assert [fn.qualname for _s, _mi, fn in index.decorated({"route"})] == decorated
    assert [e.seq for e in every if e.site.tail == "add_url_rule"] == some

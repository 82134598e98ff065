"""A route's accepted HTTP methods prune its handler's branches for other methods
(analysis/methods.py; fixture route_methods has each shape beside its twin)."""
from __future__ import annotations

import copy

import pytest

from conftest import FIXTURES
from greenit_async_lint.analysis import methods
from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.catalogue import CatalogueError, default_catalogue
from greenit_async_lint.catalogue.offloads import build_offloads
from greenit_async_lint.config import Config

APP = FIXTURES / "route_methods"


@pytest.fixture(scope="module")
def report():
    return analyse(["."], Config(cache=False, jobs=1), cwd=APP)


def test_each_route_reads_the_methods_it_is_registered_for(monkeypatch) -> None:
    seen = {}
    real = methods.accepted

    def spy(handler, *args):
        seen[handler.qualname] = real(handler, *args)
        return seen[handler.qualname]

    monkeypatch.setattr(methods, "accepted", spy)
    analyse(["."], Config(cache=False, jobs=1), cwd=APP)
    assert seen["report_get_only"] == {"GET"}
    assert seen["report_both"] == {"GET", "POST"}
    assert seen["listed_get_only"] == {"GET"}
    assert seen["methods_not_declared"] is None
    assert seen["Settings.get"] == {"GET"}
    assert seen["summary"] == {"GET", "HEAD"}
    assert seen["submit"] == {"POST"}


def test_a_branch_for_another_method_reports_nothing_and_its_twin_reports(report) -> None:
    reported = {f.handler.qualname for f in report.findings}
    assert {"report_both", "listed_get_only", "methods_not_declared", "Settings.post", "submit"} == reported
    listed = [f for f in report.findings if f.handler.qualname == "listed_get_only"]
    assert [f.leaf for f in listed] == ["requests.get"]  # the `!= "GET"` branch is gone, its else stays


def test_without_the_catalogue_entry_every_branch_is_kept() -> None:
    catalogue = copy.deepcopy(default_catalogue())
    catalogue.offloads.http_verbs = frozenset()
    catalogue.offloads.method_decorators = type(catalogue.offloads.method_decorators)()
    report = analyse(["."], Config(cache=False, jobs=1), cwd=APP, catalogue=catalogue)
    reported = {f.handler.qualname for f in report.findings}
    assert {"report_get_only", "Settings.get", "summary"} <= reported


def test_an_unknown_http_methods_key_is_named() -> None:
    with pytest.raises(CatalogueError, match=r"guards\.http_methods\.verb"):
        build_offloads({"guards": {"http_methods": {"verb": ["get"]}}}, None)

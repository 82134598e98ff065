"""Metamorphic: the report does not depend on the order modules are read or handlers analysed.

The engine walks handlers one after the other and memoises what each function reaches; inside a
call cycle a function met again on the stack returns nothing, so a memo filled during one
handler's walk must not change what a later handler sees. We permute the file list the engine
is given (reverse and seeded shuffles) and the handler list it iterates, on every fixture app and
on generated call graphs (cycles included), and ask for the very same report.
"""
from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Callable, Optional

import pytest

from callgraphs import random_graph, write_call_graph
from conftest import FIXTURES
from greenit_async_lint.analysis import engine, fanout, judging
from greenit_async_lint.catalogue import default_catalogue
from greenit_async_lint.config import Config

APPS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
# Loaded once: reading the catalogue costs more than analysing a generated graph.
CATALOGUE = default_catalogue()
Permute = Callable[[list], list]


def _reverse(items: list) -> list:
    return list(reversed(items))


def _shuffle(seed: int) -> Permute:
    def permute(items: list) -> list:
        items = list(items)
        random.Random(seed).shuffle(items)
        return items
    return permute


ORDERS: dict[str, tuple[Optional[Permute], Optional[Permute]]] = {
    # name: (file order, handler order)
    "files-reversed": (_reverse, None),
    "handlers-reversed": (None, _reverse),
    "both-shuffled-1": (_shuffle(1), _shuffle(2)),
    "both-shuffled-2": (_shuffle(3), _shuffle(4)),
}


def snapshot(report) -> tuple:
    """Everything a reader of the report sees, independent of list order."""
    findings = sorted((f.path, f.line, f.column, f.code, f.severity, f.message, repr(f.chain),
                       f.handler.qualname if f.handler else "") for f in report.findings)
    handlers = sorted((h.path, h.qualname) for h in report.handlers)
    return findings, handlers, sorted(report.verdicts.items())


def analyse_in_order(folder: Path, monkeypatch: pytest.MonkeyPatch, files: Optional[Permute],
                     handlers: Optional[Permute]) -> tuple:
    with monkeypatch.context() as patch:
        if files is not None:
            collect = engine.collect
            patch.setattr(engine, "collect", lambda *a, **k: files(collect(*a, **k)))
        if handlers is not None:
            finder = engine.HandlerFinder

            class PermutedFinder(finder):  # type: ignore[misc, valid-type]
                def find(self, *args, **kwargs):
                    return handlers(super().find(*args, **kwargs))

            patch.setattr(engine, "HandlerFinder", PermutedFinder)
        return snapshot(engine.analyse(["."], Config(cache=False, jobs=1), cwd=folder, catalogue=CATALOGUE))


@pytest.mark.parametrize("app", APPS, ids=[p.name for p in APPS])
def test_fixture_app_report_does_not_depend_on_order(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = analyse_in_order(app, monkeypatch, None, None)
    assert reference[0], "a fixture app without findings would prove nothing here"
    for name, (files, handlers) in ORDERS.items():
        assert analyse_in_order(app, monkeypatch, files, handlers) == reference, name


def test_the_permutations_really_change_the_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a vacuous pass: the engine does see the files and the handlers in another order."""
    app = FIXTURES / "flask_shop"
    seen: dict[str, list] = {}
    collect, finder = engine.collect, engine.HandlerFinder

    def spy_collect(*args, **kwargs):
        result = collect(*args, **kwargs)
        seen.setdefault("files", [f.display for f in result])
        return result

    class SpyFinder(finder):  # type: ignore[misc, valid-type]
        def find(self, *args, **kwargs):
            result = super().find(*args, **kwargs)
            seen["handlers"] = [h.qualname for h in result]
            return result

    monkeypatch.setattr(engine, "collect", spy_collect)
    monkeypatch.setattr(engine, "HandlerFinder", SpyFinder)
    engine.analyse(["."], Config(cache=False, jobs=1), cwd=app, catalogue=CATALOGUE)
    assert len(seen["files"]) > 3 and len(seen["handlers"]) > 3
    for permute in (_reverse, _shuffle(1)):
        assert permute(seen["files"]) != seen["files"] and permute(seen["handlers"]) != seen["handlers"]


# --- generated call graphs (tests/callgraphs.py) ----------------------------------------------

def _assert_order_independent(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple:
    reference = analyse_in_order(root, monkeypatch, None, None)
    for name, (files, handlers) in ORDERS.items():
        assert analyse_in_order(root, monkeypatch, files, handlers) == reference, name
    return reference


def test_two_handlers_entering_a_cycle_at_different_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """a calls b, b calls a, a runs soffice: both handlers reach the conversion, in any order."""
    write_call_graph(tmp_path, {0: [1], 1: [0]}, {0: "heavy"}, [0, 1], modules=1)
    findings, handlers, _ = _assert_order_independent(tmp_path, monkeypatch)
    assert {(f[3], f[4], f[7]) for f in findings} == {("GAL101", "violation", "h0"), ("GAL101", "violation", "h1")}


# Shrunk from a nightly crash-corpus graph (tests/crash/test_crash_callgraphs.py, seed 151): both
# handlers reach the conversion in 6 calls, exactly at max-depth 8, through cycles (220 -> 268 ->
# 228 -> 220 and a longer one through 270 -> 125 -> 353). A walk that memoises a result cut short
# by the depth bound inside a cycle as if it were complete misses the second handler.
DEPTH_AT_A_CYCLE = {125: [353], 150: [220], 151: [125], 220: [268], 228: [220], 263: [220], 268: [228, 329],
                    270: [125], 275: [283, 287], 283: [151], 287: [220], 303: [335], 329: [356], 334: [263],
                    335: [150], 348: [150], 353: [228, 303], 356: [270, 334]}


def test_the_depth_bound_at_the_edge_of_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_call_graph(tmp_path, DEPTH_AT_A_CYCLE, {270: "heavy"}, [275, 348], modules=1)
    findings, _, _ = _assert_order_independent(tmp_path, monkeypatch)
    assert {f[7] for f in findings if f[3] == "GAL101"} == {"h0", "h1"}


def test_a_generated_cycle_is_written_as_intended(tmp_path: Path) -> None:
    """The generator itself: the cycle case's handlers and helpers are what the test above assumes."""
    write_call_graph(tmp_path, {0: [1], 1: [0]}, {0: "heavy"}, [0, 1], modules=2)
    m0 = (tmp_path / "app" / "m0.py").read_text()
    assert "from app.m1 import f1" in m0 and "def f0(path):\n    f1(path)\n" in m0 and "soffice" in m0
    report = engine.analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path, catalogue=CATALOGUE)
    assert sorted(h.qualname for h in report.handlers) == ["h0", "h1"]


# Before reach settled call cycles together (analysis/walk.py), 14 of these 40 graphs (all of
# them cyclic) gave a report that depended on which handler was analysed first.
GRAPH_SEEDS = range(40)


@pytest.mark.parametrize("seed", GRAPH_SEEDS)
def test_generated_call_graph_report_does_not_depend_on_order(seed: int, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    edges, work, entries, modules = random_graph(seed)
    write_call_graph(tmp_path, edges, work, entries, modules)
    _assert_order_independent(tmp_path, monkeypatch)


def _reaches_a_cycle(edges: dict[int, list[int]], entries: list[int]) -> bool:
    state: dict[int, str] = {}

    def visit(node: int) -> bool:  # graphs of at most 14 nodes: recursion is fine here
        state[node] = "open"
        for target in edges[node]:
            if state.get(target) == "open" or (target not in state and visit(target)):
                return True
        state[node] = "done"
        return False

    return any(entry not in state and visit(entry) for entry in entries)


def test_the_generated_graphs_include_cycles_and_acyclic_ones() -> None:
    """Not vacuous: most graphs have a cycle a handler reaches, some have none."""
    cyclic = {seed for seed in GRAPH_SEEDS if _reaches_a_cycle(random_graph(seed)[0], random_graph(seed)[2])}
    assert 20 <= len(cyclic) < len(GRAPH_SEEDS)


@pytest.mark.skipif(not fanout.can_fork(), reason="the reach is shared out by fork")
@pytest.mark.parametrize("app", APPS, ids=[p.name for p in APPS])
def test_fixture_app_report_is_the_same_with_the_reach_shared_out(app: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    """A forked helper takes some handlers (judging.all_handler_findings): its memos start from the
    parent's at the fork, and it reaches its handlers in another order than one process would."""
    reference = analyse_in_order(app, monkeypatch, None, None)
    parent = os.getpid()
    real = judging.handler_effects
    started = tmp_path / "helper-started"
    helped: list[int] = []

    def wait_for_the_helper(handler, reach):  # so that the helper surely takes some handlers
        if os.getpid() != parent:
            started.touch()
        for _ in range(500):  # at most 5 s
            if started.exists():
                break
            time.sleep(0.01)
        return real(handler, reach)

    def counting(count, compute, helpers, chunk, stretches=False):
        results, mine = fanout.fan_out(count, compute, helpers, chunk, stretches=stretches)
        helped.append(count - len(mine))
        return results, mine

    monkeypatch.setattr(judging, "handler_effects", wait_for_the_helper)
    monkeypatch.setattr(judging, "fan_out", counting)
    monkeypatch.setattr(judging, "REACH_MIN_HANDLERS", 2)
    monkeypatch.setattr(judging, "REACH_CHUNK", 1)
    shared = snapshot(engine.analyse(["."], Config(cache=False, jobs=2), cwd=app, catalogue=CATALOGUE))
    assert helped and helped[0] > 0, "the helper took no handler"
    assert shared == reference

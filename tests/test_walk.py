"""The call-graph walk (analysis/walk.py) on small graphs, without the engine: a function's result
is the work it reaches, and it is the same whichever function is asked for first, call cycles
included; the depth bound cuts chains, never the Python stack."""
from __future__ import annotations

import itertools
import random

from greenit_async_lint.analysis.walk import CycleWalk

Graph = dict[str, list[str]]


def reaches(graph: Graph, work: dict[str, str], max_depth: int, order: list[str]) -> dict[str, frozenset[str]]:
    """Ask a walk for every function of `graph` in `order`; a result is the set of
    (work, hops) pairs reached within max_depth functions, the shortest way."""
    walk: CycleWalk[str, frozenset[tuple[str, int]]]

    def compute(name: str) -> frozenset[tuple[str, int]]:
        best: dict[str, int] = {}
        if name in work:
            best[work[name]] = 1
        for callee in graph[name]:
            for leaf, hops in walk.result(callee):
                if hops + 1 <= max_depth and hops + 1 < best.get(leaf, max_depth + 1):
                    best[leaf] = hops + 1
        return frozenset(best.items())

    walk = CycleWalk(max_depth, compute, frozenset(), lambda name: (name,))
    return {name: frozenset(leaf for leaf, _ in walk.result(name)) for name in order}


def expected(graph: Graph, work: dict[str, str], max_depth: int) -> dict[str, frozenset[str]]:
    """Breadth-first: the work within max_depth functions of each one."""
    out = {}
    for start in graph:
        seen, frontier, found = {start}, [start], set()
        for _depth in range(max_depth):
            found.update(work[n] for n in frontier if n in work)
            following = []
            for name in frontier:
                for callee in graph[name]:
                    if callee not in seen:
                        seen.add(callee)
                        following.append(callee)
            frontier = following
        out[start] = frozenset(found)
    return out


def test_a_cycle_entered_at_either_end_gives_the_same_results() -> None:
    graph = {"a": ["b"], "b": ["a"], "h1": ["a"], "h2": ["b"]}
    work = {"a": "soffice"}
    for order in itertools.permutations(graph):
        assert reaches(graph, work, 8, list(order)) == {name: frozenset({"soffice"}) for name in graph}


def test_random_graphs_match_breadth_first_search_in_every_order() -> None:
    rng = random.Random(112)
    for _graph in range(150):
        names = [f"f{i}" for i in range(rng.randint(2, 9))]
        graph = {n: rng.sample(names, rng.randint(0, min(3, len(names)))) for n in names}
        work = {n: f"w{n}" for n in rng.sample(names, rng.randint(1, min(3, len(names))))}
        max_depth = rng.randint(1, 6)
        truth = expected(graph, work, max_depth)
        for _order in range(4):
            order = names[:]
            rng.shuffle(order)
            assert reaches(graph, work, max_depth, order) == truth, (graph, work, max_depth, order)


def test_a_long_ring_stays_within_the_depth_bound() -> None:
    """500 functions in a ring, each also calling the seventh next: no RecursionError."""
    graph = {f"f{i}": [f"f{(i + 1) % 500}", f"f{(i + 7) % 500}"] for i in range(500)}
    work = {"f250": "soffice"}
    found = reaches(graph, work, 8, ["f0", "f245", "f249"])
    assert found == {"f0": frozenset(), "f245": frozenset({"soffice"}), "f249": frozenset({"soffice"})}

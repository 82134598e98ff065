"""Generated deep and cyclic call graphs never crash the engine, and what it reports follows from
the graph: a handler is reported exactly when a heavy helper is within reach of max-depth.

Graphs of up to 120 helpers (nightly: 400) over several modules: random edges (cycles, self-calls,
mutual recursion), long chains and rings, entered by several handlers at different points."""
from __future__ import annotations

import random
from collections import deque
from pathlib import Path

import pytest

from callgraphs import write_call_graph
from crashkit import NIGHTLY
from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.catalogue import default_catalogue
from greenit_async_lint.config import Config

CATALOGUE = default_catalogue()
SEEDS = range(200 if NIGHTLY else 25)


def generated(seed: int) -> tuple[dict[int, list[int]], dict[int, str], list[int], int, int]:
    rng = random.Random(seed)
    n = rng.randint(2, 400 if NIGHTLY else 120)
    shape = rng.choice(("random", "chain", "ring", "dense"))
    if shape == "chain":
        edges = {i: [i + 1] if i + 1 < n else [] for i in range(n)}
    elif shape == "ring":
        edges = {i: [(i + 1) % n] for i in range(n)}
    else:
        fan = 6 if shape == "dense" else 2
        edges = {i: sorted(rng.sample(range(n), rng.randint(0, min(fan, n)))) for i in range(n)}
    work = {i: "heavy" for i in rng.sample(range(n), rng.randint(1, 2))}
    entries = [rng.randrange(n) for _ in range(rng.randint(1, 4))]
    return edges, work, entries, rng.randint(1, 4), rng.choice((1, 2, 3, 8, 20, 60))


def hops_to_work(edges: dict[int, list[int]], work: dict[int, str], entry: int) -> int | None:
    """Calls from the entry helper to the nearest helper that does the work (breadth first)."""
    seen, queue = {entry: 0}, deque([entry])
    while queue:
        node = queue.popleft()
        if node in work:
            return seen[node]
        for target in edges[node]:
            if target not in seen:
                seen[target] = seen[node] + 1
                queue.append(target)
    return None


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_call_graph(seed: int, tmp_path: Path) -> None:
    edges, work, entries, modules, max_depth = generated(seed)
    write_call_graph(tmp_path, edges, work, entries, modules)
    report = analyse(["."], Config(cache=False, jobs=1, max_depth=max_depth), cwd=tmp_path, catalogue=CATALOGUE)
    reported = {f.handler.qualname for f in report.findings if f.code == "GAL101" and f.handler}
    for i, entry in enumerate(entries):
        hops = hops_to_work(edges, work, entry)
        # The chain: handler -> entry helper -> ... -> the working helper -> subprocess.run.
        within = hops is not None and hops + 2 <= max_depth
        assert (f"h{i}" in reported) == within, (f"h{i}", entry, hops, max_depth)


def test_the_generated_graphs_cover_both_answers_and_cycles() -> None:
    """Not vacuous: some handlers are within reach and some are not, and most graphs have cycles."""
    within = beyond = cyclic = 0
    for seed in SEEDS:
        edges, work, entries, _, max_depth = generated(seed)
        for entry in entries:
            hops = hops_to_work(edges, work, entry)
            if hops is not None and hops + 2 <= max_depth:
                within += 1
            else:
                beyond += 1
        cyclic += any(hops_to_work(edges, {n: "x"}, t) is not None for n in edges for t in edges[n])
    assert within >= 5 and beyond >= 5 and cyclic >= len(SEEDS) // 2, (within, beyond, cyclic)

"""The memoised walk over the call graph behind `Reach.function_effects`: bounded in depth, and
the same whatever order functions are asked for in, call cycles included.

A function's result is computed from its callees' results. Functions that call each other (a
strongly connected component of the call graph, found during the walk with Tarjan's algorithm)
depend on one another, so none of them is final before the walk leaves the first one entered.
Until then a member's result is provisional: a call back into the cycle gets the provisional
result, and nothing is memoised. When the walk leaves the component's first function, the
members are settled together: recomputed in an order fixed by their names (not by which handler
came first) until none changes, then memoised. So a second handler entering the cycle elsewhere
sees the same results as if it had been analysed first.

Depth: the walk never holds more than `max_depth` functions (a chain of 300 helpers must not
overflow Python's stack); effects deeper than that would be dropped anyway. A result cut short by
the bound is complete only for the depth left (its budget), so it is memoised under that budget;
a result that never met the bound is memoised for every caller.
"""
from __future__ import annotations

from typing import Callable, Generic, Hashable, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class CycleWalk(Generic[K, V]):
    def __init__(self, max_depth: int, compute: Callable[[K], V], empty: V,
                 order: Callable[[K], tuple[object, ...]]) -> None:
        """`compute(key)`: the result of one function from its call sites, asking the walk for
        its callees' results; `empty`: the result of a function the walk does not enter;
        `order`: the sort key that fixes the order in which a cycle's members are settled."""
        self.max_depth = max_depth
        self.compute = compute
        self.empty = empty
        self.order = order
        self._done: dict[K, V] = {}
        self._budgeted: dict[tuple[K, int], V] = {}
        self._stack: list[K] = []  # the functions being computed, innermost last
        self._cut = False  # the current computation met the depth bound
        # Tarjan's bookkeeping, for the functions entered and not yet memoised:
        self._index: dict[K, int] = {}
        self._low: dict[K, int] = {}
        self._open: list[K] = []
        self._provisional: dict[K, V] = {}
        self._counter = 0

    def result(self, key: K) -> V:
        found = self._done.get(key)
        if found is not None:
            return found
        budget = self.max_depth - len(self._stack)
        found = self._budgeted.get((key, budget))
        if found is not None:
            self._cut = True  # a result cut short by the bound: the caller's is too
            return found
        entered = self._index.get(key)
        if entered is not None:  # a call back into a cycle not settled yet
            self._lower(entered)
            return self._provisional.get(key, self.empty)
        if budget <= 0:
            self._cut = True
            return self.empty
        index = self._counter
        self._counter += 1
        self._index[key] = self._low[key] = index
        self._open.append(key)
        base = len(self._open) - 1
        outer_cut = self._cut
        value, cut = self._computed(key)
        if self._low[key] < index:  # part of a cycle entered further out: settled with it
            self._provisional[key] = value
            self._cut = outer_cut or cut
            self._lower(self._low[key])
            return value
        members = self._open[base:]
        del self._open[base:]
        if len(members) > 1:
            self._provisional[key] = value
            members, settle_cut = self._settle(members, base)
            cut = cut or settle_cut
            value = self._provisional[key]
        for member in members:
            if cut:
                self._budgeted[(member, budget)] = self._provisional.get(member, value)
            else:
                self._done[member] = self._provisional.get(member, value)
            self._provisional.pop(member, None)
            del self._index[member], self._low[member]
        self._cut = outer_cut or cut
        return value

    def _computed(self, key: K) -> tuple[V, bool]:
        """(the function's result, whether computing it met the depth bound)."""
        self._stack.append(key)
        self._cut = False
        try:
            value = self.compute(key)
        finally:
            self._stack.pop()
        return value, self._cut

    def _lower(self, index: int) -> None:
        """The function being computed reaches one entered at `index`."""
        if self._stack:
            caller = self._stack[-1]
            if index < self._low[caller]:
                self._low[caller] = index

    def _settle(self, members: list[K], base: int) -> tuple[list[K], bool]:
        """Recompute a cycle's members, each at the depth its first function was entered, until no
        result changes; a function first reached while settling that calls back into the cycle
        joins it. Returns the members and whether the depth bound was met."""
        cut = False
        members = sorted(members, key=self.order)
        rounds = 0
        changed = True
        while changed and rounds < self.max_depth + len(members) + 2:
            changed = False
            rounds += 1
            for member in members:
                value, member_cut = self._computed(member)
                cut = cut or member_cut
                if value != self._provisional.get(member):
                    self._provisional[member] = value
                    changed = True
            joined = self._open[base:]
            if joined:
                del self._open[base:]
                members = sorted(members + joined, key=self.order)
                changed = True
        return members, cut

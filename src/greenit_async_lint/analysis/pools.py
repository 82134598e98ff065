"""Functions that feed a pool or thread, and functions that wait for one: work submitted and
waited for in the same function still keeps the user waiting (it is reported at the submit)."""
from __future__ import annotations

from typing import Any

from ..catalogue.load import Offloads
from ..catalogue.patterns import PatternTable
from .evaluate import Evaluator
from .project import Ctx, Project
from .values import External


class PoolUse:
    def __init__(self, project: Project, evaluator: Evaluator, offloads: Offloads) -> None:
        self.p = project
        self.ev = evaluator
        self.off = offloads
        self._waits: dict[tuple[int, str], bool] = {}
        self._submits: dict[tuple[int, str], bool] = {}

    def waits(self, mi: int, qualname: str) -> bool:
        """Does this function wait for pooled work (a future's result, a thread's join)?"""
        return self._calls(self.off.pool_waits, self._waits, mi, qualname)

    def submits(self, mi: int, qualname: str) -> bool:
        """Does this function hand work to a pool or thread?"""
        return self._calls(self.off.pool_submits, self._submits, mi, qualname)

    def _calls(self, table: PatternTable[Any], memo: dict[tuple[int, str], bool], mi: int, qualname: str) -> bool:
        key = (mi, qualname)
        if key not in memo:
            fn = self.p.function(mi, qualname)
            ctx = Ctx(mi, qualname)
            memo[key] = fn is not None and any(
                bool(table.match(v.name)) for cs in fn.scope.calls
                for v in self.ev.eval(cs.func, ctx) if isinstance(v, External))
        return memo[key]

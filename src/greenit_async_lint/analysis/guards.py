"""Which conditions make the work under a call site not the work of every request.

The summary records, per call site, the enclosing `if` tests and `except` handlers of its function
(conditions.py); the catalogue's `guards` section (rules/offloads.yaml) says which of them matter:

- create-if-missing: `if not os.path.exists(SETTING)` / `if not ROOT.exists()` guards creating
  what is missing, once per process. Only when every name the test reads is module-level: a path
  built from the function's arguments or locals is a per-object cache (an invoice rendered on the
  first request for each order), which is per-request work;
- a singleton: `if _INSTANCE is None` on a module-level name (or `cls._x`) builds it once;
- a needs-check: `if needs_rebuild():` guards rare work (an index rebuilt when its schema changed);
- a debug, trace or test flag (`if settings.DEBUG`, `if is_trace_enabled()`): not production work;
- a retry back-off: a wait in an `except` handler inside a loop runs only after a failure (in an
  `async def` handler it still stalls the event loop for everyone: findings.py keeps it sure there);
- a setting changed from its default: the branch of `if settings.bundle_assets:` that its declared
  default rules out (settingdefaults.py).

Work under such a guard is still reported, at low confidence with the reason, so that a reader
can check the heuristic; the gate counts only high and medium confidence by default.
"""
from __future__ import annotations

import fnmatch
import functools
from typing import TYPE_CHECKING, Optional

from ..catalogue import Catalogue
from .effects import Effect, replace
from .ir import Attr, Call, CallSite, Expr, Guard, Name
from .project import Ctx, Project
from .settingdefaults import SettingDefaults

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator

_CLASS_RECEIVERS = frozenset({"cls"})  # `cls._instance is None`: a class-level singleton


def _last(expr: Expr) -> Optional[str]:
    """The name a test reads, by its last segment: `settings.DEBUG` is DEBUG, `tracing()` is tracing."""
    if isinstance(expr, Call):
        expr = expr.func
    if isinstance(expr, Attr):
        return expr.attr
    if isinstance(expr, Name):
        return expr.id
    return None


def _matches(name: Optional[str], patterns: tuple[str, ...]) -> bool:
    return name is not None and _matches_name(name, patterns)


@functools.lru_cache(maxsize=4096)  # every guarded call site asks, about the same few names
def _matches_name(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name.lower(), p.lower()) for p in patterns)


class GuardCheck:
    def __init__(self, project: Project, catalogue: Catalogue, evaluator: Optional[Evaluator] = None,
                 defaults: Optional[SettingDefaults] = None) -> None:
        """`defaults`: the run's settings defaults (pathconds.py reads them too), else built here."""
        self.p = project
        self.off = catalogue.offloads
        if defaults is None and evaluator is not None:
            defaults = SettingDefaults(project, evaluator, catalogue.offloads)
        self.defaults = defaults
        self._local_names: dict[tuple[int, Optional[str]], frozenset[str]] = {}  # per function: every guarded call asks

    def apply(self, effects: list[Effect], cs: CallSite, ctx: Ctx) -> list[Effect]:
        """The effects reached through a call site, each with the reason its guards give."""
        why = self.reason(cs, ctx)
        out = []
        for effect in effects:
            # The back-off is about the wait itself, not about what a helper called there reaches.
            if effect.guard or why:
                out.append(effect if effect.guard else replace(effect, guard=why))
                continue
            backoff = self.backoff(cs, effect.leaf) if len(effect.chain) == 1 else ""
            out.append(replace(effect, guard=backoff, retry=True) if backoff else effect)
        return out

    def reason(self, cs: CallSite, ctx: Ctx) -> str:
        """Why the work reached through this call site is not every request's ("" when it is)."""
        if not cs.guards:
            return ""
        local = self._locals(ctx)
        for guard in cs.guards:
            why = self._guard_reason(guard, local)
            if not why and self.defaults is not None:
                why = self.defaults.reason(guard, ctx, local)
            if why:
                return why
        return ""

    def backoff(self, cs: CallSite, leaf: str) -> str:
        """A wait in an `except` handler inside a loop: the back-off of a retry after a failure."""
        if cs.loops and any(g.kind == "except" for g in cs.guards) and self.off.retry_backoff.match(leaf):
            handler = next(g for g in reversed(cs.guards) if g.kind == "except")
            return f"a retry back-off: it waits only after a failure (`{handler.text}` in a loop)"
        if cs.loops and cs.loops[-1].kind == "retry" and self.off.retry_backoff.match(leaf):
            # loopshape.retry_start: after `if attempt(): break`, before `if spent: raise`.
            return f"a retry back-off: it waits only after a failed attempt (`{cs.loops[-1].text}` retries until it succeeds)"
        return ""

    def _locals(self, ctx: Ctx) -> frozenset[str]:
        key = (ctx.module, ctx.function)
        found = self._local_names.get(key)
        if found is None:
            found = self._local_names[key] = self._locals_now(ctx)
        return found

    def _locals_now(self, ctx: Ctx) -> frozenset[str]:
        fn = self.p.function(ctx.module, ctx.function) if ctx.function else None
        if fn is None:
            return frozenset()
        # The summary does not keep `global` statements: a name the function assigns that is also
        # bound at module level is taken as the module's (`global _INDEX; _INDEX = build()` after
        # `if _INDEX is None`, the singleton shape), since reading it first would fail otherwise.
        module_names = self.p.mods[ctx.module].scope.names
        return frozenset({p.name for p in fn.params} | {n for n in fn.scope.names if n not in module_names})

    def _guard_reason(self, guard: Guard, local: frozenset[str]) -> str:
        name = _last(guard.subject)
        process_wide = not (set(guard.names) & local)
        if guard.kind == "truth" and not guard.negated:
            if _matches(name, self.off.flags):
                return f"under a debug, trace or test flag (`if {guard.text}`): not production work"
            if isinstance(guard.subject, Call) and _matches(name, self.off.needs_checks):
                return f"under `if {guard.text}`: rare work (when a check says it is needed), not every request's"
        if (guard.kind == "truth" and guard.negated and isinstance(guard.subject, Call) and process_wide
                and _matches(name, self.off.create_if_missing)):
            return f"create-if-missing (`{guard.text}`) on a process-wide path: runs once, not per request"
        if guard.kind == "none" and not guard.negated and not (set(guard.names) & local - _CLASS_RECEIVERS):
            return f"a singleton built once (`{guard.text}`), not per request"
        return ""

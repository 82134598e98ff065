"""What handler finding produces, and what each of its mechanisms is given.

A mechanism (decorators, registrations, class views, ...) reads the project through a `Scan`
and returns what it found; only the finder merges the results, so that no mechanism depends on
state another one set earlier in the run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator, Literal, NamedTuple, Optional, TypeAlias

from ...catalogue.patterns import PatternTable
from ..ir import Expr, Function, Module
from ..project import Ctx, Project

if TYPE_CHECKING:  # the model is read on a warm run without the analysis (handlers/__init__.py)
    from ...catalogue.frameworks import DecoratorRule, FrameworkRules
    from ..evaluate import Evaluator
    from ..index import ProjectIndex


@dataclass
class Root:
    """Work the framework runs for this handler beyond its own body: (module, qualname) at a hop."""

    mi: int
    qualname: str
    line: int
    call: str
    path: str
    in_thread: bool = False  # a plain `def` dependency that the framework runs in a worker thread
    method: str = ""  # set: the framework calls this method on an instance of class `qualname`


@dataclass
class Handler:
    """A request handler found, with what runs before it (its roots: dependencies, hooks)."""

    mi: int
    qualname: str
    path: str
    line: int
    framework: str
    route: Optional[str]
    is_async: bool
    function: bool = True  # False for a class-level entry (the framework's own methods run)
    roots: list[Root] = field(default_factory=list)
    on_loop: Optional[bool] = None  # runs on an event loop; None: when it is `async def`

    def __post_init__(self) -> None:
        if self.on_loop is None:
            self.on_loop = self.is_async


Resolution = Literal["project", "outside", ""]  # followed into the project, to a package's view, or not


class Registration(NamedTuple):
    """One route registration seen (a registration call, a route decorator, an entry of a URL
    list), and whether its view was followed into the project: the inventory's denominator."""

    path: str
    line: int
    framework: str
    kind: str  # "call", "decorator" or "list"
    route: Optional[str]
    view: str  # the view as written, for the unresolved list
    resolved: Resolution


class Candidate(NamedTuple):
    """A function a mechanism found to be a handler."""

    mi: int
    fn: Function
    framework: str
    route: Optional[str]


@dataclass(frozen=True)
class Scan:
    """What every mechanism reads: the project, its index, the evaluator and the rules."""

    p: Project
    ev: Evaluator
    index: ProjectIndex
    frameworks: list[FrameworkRules]
    only: Optional[frozenset[int]]  # module indexes whose definitions are looked at; None: all
    # A provider's roots by (module, qualname, depth): the same `get_db` or `current_user` is named
    # by most handlers of an application, and its own providers after it (dependencies.py).
    provider_roots: dict[tuple[int, str, int], list[Root]] = field(default_factory=dict, compare=False)

    def modules(self) -> Iterator[tuple[int, Module]]:
        return ((mi, m) for mi, m in enumerate(self.p.mods) if self.only is None or mi in self.only)

    def wanted(self, mi: int) -> bool:
        return self.only is None or mi in self.only

    def names(self, expr: Expr, ctx: Ctx) -> list[str]:
        """The dotted names an expression evaluates to (`flask.Flask.route`)."""
        return [name for v in self.ev.eval(expr, ctx) if (name := self.ev.dotted_name(v)) is not None]


Rules: TypeAlias = "list[tuple[FrameworkRules, DecoratorRule]]"


class RulesByName:
    """The decorator rules whose `calls` match a dotted name, in the rules' order, by name: the
    same few hundred names recur at thousands of decorators and call sites."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self._found: dict[str, list[int]] = {}
        self._any = PatternTable.any_of(rule.calls for _fw, rule in rules)  # (most names: none)

    def matching(self, name: str) -> list[int]:
        """The indexes in `rules` of those that match `name`."""
        found = self._found.get(name)
        if found is None:
            found = self._found[name] = [i for i, (_fw, rule) in enumerate(self.rules) if rule.calls.match(name)] \
                if self._any.match(name) is not None else []
        return found

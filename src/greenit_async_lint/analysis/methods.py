"""A route's accepted HTTP methods prune the branches its handler keeps for other methods.

A function view registered for GET only (`@app.get("/report")`, `methods=["GET"]`,
`@require_GET`, a class view's `get`) never runs the body of `if request.method == "POST":`.
Which decorators name methods, and which attribute of the request holds its method, is catalogue
data (`guards.http_methods` in rules/offloads.yaml). A handler whose methods cannot be read (a
plain `@app.route("/x")`, a Django function view) keeps every branch.
"""
from __future__ import annotations

from typing import Iterable, Optional

from ..catalogue import Catalogue
from .effects import Effect
from .evaluate import Evaluator
from .handlers import Handler
from .ir import Attr, Call, CallSite, Const, Expr, Items
from .project import Project


def _strings(expr: Expr) -> Optional[frozenset[str]]:
    """The upper-cased strings of a literal list or tuple (`["GET", "POST"]`), or None."""
    if not isinstance(expr, Items):
        return None
    out = set()
    for item in expr.items:
        if not (isinstance(item, Const) and isinstance(item.value, str)):
            return None
        out.add(item.value.upper())
    return frozenset(out)


def accepted(handler: Handler, project: Project, ev: Evaluator, catalogue: Catalogue) -> Optional[frozenset[str]]:
    """The HTTP methods a handler is registered for, or None when they are not known."""
    off = catalogue.offloads
    if not off.http_verbs or not handler.function:
        return None
    fn = project.function(handler.mi, handler.qualname)
    if fn is None:
        return None
    found: Optional[frozenset[str]] = None

    def narrow(methods: frozenset[str]) -> None:
        nonlocal found
        found = methods if found is None else found & methods

    if fn.cls is not None and fn.name.lower() in off.http_verbs:
        narrow(frozenset({fn.name.upper()}))  # a class view's `get` answers GET
    ctx = project.defining_ctx(handler.mi, fn)
    for decorator in fn.decorators:
        func = decorator.func if isinstance(decorator, Call) else decorator
        for value in ev.eval(func, ctx):
            name = ev.qualified(value)
            restricted = off.method_decorators.match(name) if name else None
            if restricted is not None:
                narrow(restricted)
        if not isinstance(decorator, Call):
            continue
        listed = next((_strings(v) for k, v in decorator.kwargs if k in off.methods_kwargs), None)
        if listed is not None:
            narrow(listed)
        elif isinstance(func, Attr) and func.attr.lower() in off.http_verbs:
            narrow(frozenset({func.attr.upper()}))  # `@app.get(...)`, `@router.post(...)`
    return found


def _excluded(site: CallSite, methods: frozenset[str], attrs: frozenset[str]) -> bool:
    """Whether a call site sits under a test of the request's method that `methods` rule out."""
    for guard in site.guards:
        if guard.kind != "eq" or not isinstance(guard.value, str):
            continue
        if not (isinstance(guard.subject, Attr) and guard.subject.attr in attrs):
            continue
        verb = guard.value.upper()
        if not guard.negated and verb not in methods:
            return True  # `if request.method == "POST":` in a GET-only handler
        if guard.negated and methods == {verb}:
            return True  # `if request.method != "GET":` (or its else) in a GET-only handler
    return False


def pruned(handler: Handler, effects: Iterable[Effect], project: Project, ev: Evaluator,
           catalogue: Catalogue) -> list[Effect]:
    """The effects of a handler's own body, without those under a branch for a method its route
    does not accept."""
    effects = list(effects)
    methods = accepted(handler, project, ev, catalogue)
    fn = project.function(handler.mi, handler.qualname)
    if not methods or fn is None or not effects:
        return effects
    attrs = frozenset(catalogue.offloads.request_method_attrs)
    path = project.mods[handler.mi].path
    dead = {(cs.line, cs.col) for cs in fn.scope.calls if cs.guards and _excluded(cs, methods, attrs)}
    if not dead:
        return effects
    return [e for e in effects
            if not (e.chain and e.chain[0].path == path and (e.chain[0].line, e.chain[0].col) in dead)]

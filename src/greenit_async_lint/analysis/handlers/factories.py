"""Project decorator factories that apply a route decorator the rules know:

    def xmlrpc_method(**kwargs):
        def decorator(f):
            return _xmlrpc_method(endpoint="RPC2", **kwargs)(f)   # pyramid_rpc's decorator
        return decorator

    @xmlrpc_method(method="search")                               # so this is an RPC method
    def search(request, term): ...

A function whose body, or the body of a function nested in it, calls a known decorator is a
factory for that decorator's rule (a decorator written on a nested definition does not count:
that function routes its own views, it is no factory). A module-level
`functools.partial(factory, ...)` is found by its name.
"""
from __future__ import annotations

from typing import Optional

from ...catalogue.frameworks import DecoratorRule
from ...catalogue.patterns import PatternTable
from ..ir import CallSite, Function
from ..project import Ctx
from .model import Rules, RulesByName, Scan


def _enclosing(scan: Scan, mi: int, fn: Function) -> list[Function]:
    """The function and the functions it is nested in, innermost first."""
    chain = [fn]
    while chain[-1].parent is not None and len(chain) < 4:
        outer = scan.p.function(mi, chain[-1].parent)
        if outer is None:
            break
        chain.append(outer)
    return chain


def factory_rules(scan: Scan, rules: Rules, applied: Optional[set[str]] = None) -> tuple[Rules, set[str]]:
    """Rules matching the project's factories by their importable names, and the names (the
    factories' own and their partial aliases') that decorators must end with to be looked at.
    `applied`, when known, holds every name the decorators looked at evaluate to: a factory none
    of them names matches nothing, so the calls around it are not read (mealie: 41 of 439)."""
    out: Rules = []
    names: set[str] = set()
    seen: set[tuple[int, str, int]] = set()
    # Every call of a closure or of the function around one: the known decorator is often
    # imported under another name (`xmlrpc_method as _xmlrpc_method`), so tails do not filter.
    # A factory returns a decorator: it has a nested function, or is one; modules without nested
    # functions have no factory, and the other functions' call sites are not read at all (in the
    # order of the project's call sites: modules, then their functions, then their calls).
    calls: list[tuple[CallSite, Ctx, Function]] = []
    for mi, module in enumerate(scan.p.mods):
        parents = {f.parent for f in module.functions.values() if f.parent is not None}
        for fn in module.functions.values() if parents else ():
            if fn.parent is not None or fn.qualname in parents:
                if applied is not None and not any(f"{module.name}.{f.qualname}" in applied
                                                   for f in _enclosing(scan, mi, fn)):
                    continue
                ctx = Ctx(mi, fn.qualname)
                calls.extend((site, ctx, fn) for site in fn.scope.calls)
    by_name = RulesByName(rules)
    for cs, ctx, fn in calls:
        hits = {i for name in scan.names(cs.func, ctx) for i in by_name.matching(name)}
        if not hits:
            continue
        matched = [rules[i] for i in sorted(hits)]
        written = ("c", cs.func, cs.args, cs.kwargs)
        module = scan.p.mods[ctx[0]]
        if any(f.parent == fn.qualname and written in f.decorators for f in module.functions.values()):
            continue  # `@bp.route("/x")` on a function defined here: a view, not a factory
        for fw, rule in matched:
            for factory in _enclosing(scan, ctx[0], fn):
                key = (ctx[0], factory.qualname, id(rule))
                if key in seen:
                    continue
                seen.add(key)
                dotted = f"{module.name}.{factory.qualname}"
                out.append((fw, DecoratorRule(PatternTable([(dotted, True)]), None, None, rule.class_methods)))
                names.add(factory.name)
    if names:
        for module in scan.p.mods:
            for alias, bindings in module.scope.names.items():
                if any(b[0] == "c" and any(a[0] == "n" and a[1] in names for a in b[2]) for b in bindings):
                    names.add(alias)
    return out, names

"""Project functions that forward their arguments to a known registration call.

    class ApiExt(Api):
        def add_org_resource(self, resource, *urls):
            return self.add_resource(resource, *[org_scoped(u) for u in urls])

    api.add_org_resource(AlertResource, "/api/alerts/<alert_id>")

A call of such a forwarder registers what it is given, like the call it wraps: the wrapped call's
rule is re-aimed at the forwarder's parameters and matched on the forwarder's own name. A
forwarder of a forwarder is found in the next round. `super().add_url_rule(...)` in an override
of the framework's method forwards too (the override is then what the project calls).

When the forwarder hands the view to a project function first (`view = make_view(view)`) and
that function calls a method on the view or on an instance of it (`view().process()`), that
method is the registered class's entry: the rule's `class_methods` for the forwarded calls.
"""
from __future__ import annotations

from typing import Iterator, Optional

from ...catalogue.frameworks import RegistrationRule
from ...catalogue.patterns import PatternTable
from ...catalogue.schema import ArgSpec
from ..evaluate import arg_value
from ..ir import Expr, Function, Name
from ..project import Ctx
from .model import Scan
from .views import Matched

ROUNDS = 3  # forwarders of forwarders, a few levels deep


def super_names(scan: Scan, func: Expr, ctx: Ctx) -> list[str]:
    """`super().m` in a method: `m` on each outside base of the method's class."""
    if not (func[0] == "a" and func[1][0] == "c" and func[1][1] == ("n", "super") and ctx[1] is not None):
        return []
    fn = scan.p.function(ctx[0], ctx[1])
    if fn is None or fn.cls is None:
        return []
    _classes, external = scan.ev.mro(ctx[0], fn.cls)
    return [f"{base}.{func[2]}" for base in external]


def _param_spec(fn: Function, expr: Optional[Expr]) -> Optional[ArgSpec]:
    """Where a caller passes the parameter that `expr` names (None: not a plain parameter)."""
    if expr is None or expr[0] != "n":
        return None
    skip = 1 if fn.cls is not None and fn.kind in ("method", "classmethod") else 0
    for index, param in enumerate(fn.params):
        if param.name == expr[1]:
            if param.kind == "kwonly":
                return ArgSpec(kwarg=param.name)
            if param.kind != "pos":
                return None
            return ArgSpec(arg=index - skip if index >= skip else None, kwarg=param.name)
    return None


def _entry_methods(scan: Scan, fn: Function, view: str, ctx: Ctx) -> tuple[str, ...]:
    """Methods that a project function the view is handed to calls on it: `make_view(view)`
    whose wrapper runs `view().process()` enters the class through `process`."""
    found: list[str] = []
    for cs in fn.scope.calls:
        if not any(arg == ("n", view) for arg in cs.args):
            continue
        position = next(i for i, arg in enumerate(cs.args) if arg == ("n", view))
        for target in scan.ev.eval(cs.func, ctx):
            if target[0] != "fn":
                continue
            wrapper = scan.p.function(target[1], target[2])
            if wrapper is None or position >= len(wrapper.params):
                continue
            name = wrapper.params[position].name
            module = scan.p.mods[target[1]]
            inner = [f for q, f in module.functions.items() if q == wrapper.qualname
                     or q.startswith(wrapper.qualname + ".")]
            for f in inner:
                for call in f.scope.calls:
                    func = call.func
                    if func[0] != "a":
                        continue
                    base = func[1]
                    if (base == ("n", name) or (base[0] == "c" and base[1] == ("n", name))) \
                            and func[2] not in found:
                        found.append(func[2])
    return tuple(found)


def forwarders(scan: Scan, matches: list[Matched]) -> Iterator[tuple[Matched, RegistrationRule, str]]:
    """(the wrapped registration, the rule for calls of its forwarder, the forwarder's tail) for
    each match made inside a function that passes one of its parameters as the view; the same rule
    for every such match of one forwarder."""
    made: dict[tuple[int, str, int], RegistrationRule] = {}
    for m in matches:
        if m.ctx[1] is None or m.rule.view is None:
            continue
        fn = scan.p.function(m.ctx[0], m.ctx[1])
        if fn is None or fn.kind == "lambda":
            continue
        view = arg_value(m.args, m.kwargs, m.rule.view)
        view_spec = _param_spec(fn, view)
        if view_spec is None or not isinstance(view, Name):
            continue
        route_spec = _param_spec(fn, arg_value(m.args, m.kwargs, m.rule.route)) if m.rule.route else None
        entries = _entry_methods(scan, fn, view.id, m.ctx)
        key = (m.ctx[0], fn.qualname, id(m.rule))
        if key not in made:  # a forwarder calling the registration twice (with and without a prefix)
            name = f"{scan.p.mods[m.ctx[0]].name}.{fn.qualname}"
            made[key] = RegistrationRule(PatternTable([(name, True)]), route_spec, view_spec, None,
                                         entries or m.rule.class_methods, None, None)
        yield m, made[key], fn.name

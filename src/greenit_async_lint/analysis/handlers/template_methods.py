"""The template-method chain of a registered class: an entry inherited from a project base
(`RH.process`) that calls hooks on `self` (`self._process()`), which the registered class or
its intermediate bases override. The overrides run in the request: they are the class's
handlers, listed where they are defined.
"""
from __future__ import annotations

from ..ir import Function
from .model import Scan

_DEPTH = 4  # base methods calling base methods before the hook is reached


def _self_calls(fn: Function) -> list[str]:
    """Names of the methods `fn` calls on its own instance (`self.name(...)`)."""
    if not fn.params or fn.kind not in ("method", "property"):
        return []
    me = fn.params[0].name
    return [cs.func[2] for cs in fn.scope.calls if cs.func[0] == "a" and cs.func[1] == ("n", me)]


def overridden_hooks(scan: Scan, mi: int, qualname: str, entries: tuple[str, ...]) -> list[tuple[int, Function]]:
    """The methods below the class that defines an inherited entry which the entry's chain of
    self-calls reaches, for an instance of class (mi, qualname)."""
    classes, _external = scan.ev.mro(mi, qualname)
    rank = {c: i for i, c in enumerate(classes)}
    out: list[tuple[int, Function]] = []
    seen: set[tuple[int, str]] = set()
    for entry in entries:
        bound = [v for v in scan.ev.class_attr(mi, qualname, entry, True) if v[0] == "meth"]
        for value in bound:
            fn = scan.p.function(value[1], value[2])
            if fn is None or fn.cls is None:
                continue
            floor = rank.get((value[1], fn.cls), -1)  # the class defining the entry
            if floor <= 0:
                continue  # the class's own entry: listed as it is
            todo, depth = [(value[1], fn)], 0
            while todo and depth < _DEPTH:
                depth += 1
                nxt = []
                for _fmi, caller in todo:
                    for name in _self_calls(caller):
                        for hook in scan.ev.class_attr(mi, qualname, name, True):
                            target = scan.p.function(hook[1], hook[2]) if hook[0] == "meth" else None
                            if target is None or target.cls is None or (hook[1], hook[2]) in seen:
                                continue
                            seen.add((hook[1], hook[2]))
                            if rank.get((hook[1], target.cls), floor) < floor:
                                out.append((hook[1], target))
                            else:
                                nxt.append((hook[1], target))
                todo = nxt
    return out

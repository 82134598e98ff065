"""The template-method chain of a registered class: an entry inherited from a project base
(`RH.process`) that calls hooks on `self` (`self._process()`), which the registered class or
its intermediate bases override. The overrides run in the request: they are the class's
handlers, listed where they are defined.

The chain is followed through the base's own methods, through `super().m()`, `Base.m(self)`
and `getattr(self, "_process_" + verb)` (the methods with that prefix), and through
intermediate overrides that chain on (`_do_process` calling `RHEventBase._do_process(self)`).
A method the base chain calls is a hook; a method a hook calls is one only when it overrides a
method of the base (else it is a helper, reached from the hook).
"""
from __future__ import annotations

from typing import Iterator

from ..ir import Function
from ..project import Ctx
from ..values import ClassRef, FunctionRef, MethodRef, Value
from .model import Scan

_DEPTH = 6  # hops along the chain before the hooks are reached


def _self_calls(scan: Scan, mi: int, qualname: str, caller_mi: int, caller: Function,
                classes: list[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """(module, method qualname) of each method `caller` calls on its own instance, as an
    instance of class (mi, qualname)."""
    if not caller.params or caller.kind not in ("method", "property") or caller.cls is None:
        return
    me = caller.params[0].name
    for cs in caller.scope.calls:
        func = cs.func
        if func == ("n", "getattr") and len(cs.args) >= 2 and cs.args[0] == ("n", me) and cs.args[1][0] == "k":
            yield from _dispatched(scan, mi, qualname, classes, str(cs.args[1][1]))
            continue
        if func[0] != "a":
            continue
        base, name = func[1], func[2]
        values: list[Value]
        if base == ("n", me):
            values = list(scan.ev.class_attr(mi, qualname, name, True))
        elif base[0] == "c" and base[1] == ("n", "super") and (caller_mi, caller.cls) in classes:
            values = _after(scan, classes, classes.index((caller_mi, caller.cls)), name)
        elif base[0] == "n" and cs.args and cs.args[0] == ("n", me):  # Base.m(self)
            values = [v for c in scan.ev.eval(base, Ctx(caller_mi, caller.qualname)) if isinstance(c, ClassRef)
                      for v in scan.ev.class_attr(c.module, c.qualname, name, False)]
        else:
            continue
        for value in values:
            if isinstance(value, (MethodRef, FunctionRef)):
                yield value.module, value.qualname


def _dispatched(scan: Scan, mi: int, qualname: str, classes: list[tuple[int, str]],
                name: str) -> Iterator[tuple[int, str]]:
    """`getattr(self, "_process_" + request.method)`: the methods whose names start with the
    constant part (the summary keeps the string's constant prefix, a space where it varies)."""
    known = {m for key in classes for m in _methods(scan, key)}
    prefix = name.split(" ")[0]
    if name in known:
        names = {name}
    else:  # a name built at run time (`"_process_" + verb` is summarised as its constant part)
        names = {m for m in known if m.startswith(prefix)} if prefix else set()
    for method in sorted(names):
        for value in scan.ev.class_attr(mi, qualname, method, True):
            if isinstance(value, MethodRef):
                yield value.module, value.qualname


def _after(scan: Scan, classes: list[tuple[int, str]], index: int, name: str) -> list[Value]:
    for cmi, cq in classes[index + 1:]:
        cls = scan.p.klass(cmi, cq)
        if cls is not None and name in cls.methods:
            return [MethodRef("meth", cmi, cls.methods[name])]
    return []


def overridden_hooks(scan: Scan, mi: int, qualname: str, entries: tuple[str, ...]) -> list[tuple[int, Function]]:
    """The methods below the class that defines an inherited entry which the entry's chain
    reaches, for an instance of class (mi, qualname)."""
    classes, _external = scan.ev.mro(mi, qualname)
    rank = {c: i for i, c in enumerate(classes)}
    out: list[tuple[int, Function]] = []
    for entry in entries:
        for value in scan.ev.class_attr(mi, qualname, entry, True):
            if not isinstance(value, MethodRef):
                continue
            fn = scan.p.function(value.module, value.qualname)
            if fn is None or fn.cls is None or rank.get((value.module, fn.cls), 0) <= 0:
                continue  # the class's own entry is listed as it is
            floor = rank[(value.module, fn.cls)]
            base_names = {name for c in classes[floor:] for name in _methods(scan, c)}
            seen = {(value.module, fn.qualname)}
            todo: list[tuple[int, Function, bool]] = [(value.module, fn, True)]
            for _hop in range(_DEPTH):
                nxt: list[tuple[int, Function, bool]] = []
                for cmi, caller, in_base in todo:
                    for tmi, tq in _self_calls(scan, mi, qualname, cmi, caller, classes):
                        target = scan.p.function(tmi, tq)
                        if target is None or target.cls is None or (tmi, tq) in seen:
                            continue
                        seen.add((tmi, tq))
                        below = rank.get((tmi, target.cls), floor) < floor
                        if not below:
                            nxt.append((tmi, target, True))
                        elif in_base or target.name in base_names:
                            out.append((tmi, target))
                            nxt.append((tmi, target, False))
                todo = nxt
    return out


def _methods(scan: Scan, key: tuple[int, str]) -> dict[str, str]:
    cls = scan.p.klass(*key)
    return cls.methods if cls is not None else {}

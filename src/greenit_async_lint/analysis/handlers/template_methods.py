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

from typing import NamedTuple, Optional

from ..ir import Function
from ..project import Ctx
from ..values import ClassRef, FunctionRef, MethodRef, Value
from .model import Scan

_DEPTH = 6  # hops along the chain before the hooks are reached


class _SelfCall(NamedTuple):
    """A call a method makes on its own instance, as written: `self.name()` ("self"),
    `super().name()` ("super"), `getattr(self, "name...")` ("getattr"), or `Base.name(self)`
    ("base", with what it names: it does not depend on the instance's class)."""

    kind: str
    name: str
    named: tuple[Value, ...] = ()


def _written_self_calls(scan: Scan, caller_mi: int, caller: Function) -> tuple[_SelfCall, ...]:
    if not caller.params or caller.kind not in ("method", "property") or caller.cls is None:
        return ()
    me = caller.params[0].name
    out: list[_SelfCall] = []
    for cs in caller.scope.calls:
        func = cs.func
        if func == ("n", "getattr") and len(cs.args) >= 2 and cs.args[0] == ("n", me) and cs.args[1][0] == "k":
            out.append(_SelfCall("getattr", str(cs.args[1][1])))
            continue
        if func[0] != "a":
            continue
        base, name = func[1], func[2]
        if base == ("n", me):
            out.append(_SelfCall("self", name))
        elif base[0] == "c" and base[1] == ("n", "super"):
            out.append(_SelfCall("super", name))
        elif base[0] == "n" and cs.args and cs.args[0] == ("n", me):  # Base.m(self)
            out.append(_SelfCall("base", name, tuple(
                v for c in scan.ev.eval(base, Ctx(caller_mi, caller.qualname)) if isinstance(c, ClassRef)
                for v in scan.ev.class_attr(c.module, c.qualname, name, False))))
    return tuple(out)


class TemplateMethods:
    """The chains of one handler search (class_views.py asks for every class it routes): what a
    method calls on `self` is read once per method, and what those calls reach once per class."""

    def __init__(self, scan: Scan) -> None:
        self.scan = scan
        self._written: dict[tuple[int, str], tuple[_SelfCall, ...]] = {}

    def overridden_hooks(self, mi: int, qualname: str, entries: tuple[str, ...]) -> list[tuple[int, Function]]:
        """The methods below the class that defines an inherited entry which the entry's chain
        reaches, for an instance of class (mi, qualname)."""
        scan = self.scan
        classes, _external = scan.ev.mro(mi, qualname)
        rank = {c: i for i, c in enumerate(classes)}
        instance = _Instance(self, mi, qualname, classes)
        out: list[tuple[int, Function]] = []
        for entry in entries:
            for value in instance.attr(entry):
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
                        for tmi, tq in instance.self_calls(cmi, caller):
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

    def written(self, caller_mi: int, caller: Function) -> tuple[_SelfCall, ...]:
        key = (caller_mi, caller.qualname)
        found = self._written.get(key)
        if found is None:
            found = self._written[key] = _written_self_calls(self.scan, caller_mi, caller)
        return found


class _Instance:
    """Self-calls resolved for an instance of one class: each entry's chain meets the same
    methods (`get` and `post` both call `self.get_object()`)."""

    def __init__(self, chains: TemplateMethods, mi: int, qualname: str, classes: list[tuple[int, str]]) -> None:
        self.chains = chains
        self.scan = chains.scan
        self.mi = mi
        self.qualname = qualname
        self.classes = classes
        self._attrs: dict[str, list[Value]] = {}
        self._calls: dict[tuple[int, str], list[tuple[int, str]]] = {}

    def attr(self, name: str) -> list[Value]:
        found = self._attrs.get(name)
        if found is None:
            found = self._attrs[name] = self.scan.ev.class_attr(self.mi, self.qualname, name, True)
        return found

    def self_calls(self, caller_mi: int, caller: Function) -> list[tuple[int, str]]:
        """(module, method qualname) of each method `caller` calls on its own instance."""
        key = (caller_mi, caller.qualname)
        found = self._calls.get(key)
        if found is None:
            found = self._calls[key] = self._resolved(caller_mi, caller)
        return found

    def _resolved(self, caller_mi: int, caller: Function) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        for call in self.chains.written(caller_mi, caller):
            values: Optional[list[Value] | tuple[Value, ...]]
            if call.kind == "getattr":
                out.extend(self._dispatched(call.name))
                continue
            if call.kind == "self":
                values = self.attr(call.name)
            elif call.kind == "super":
                owner = (caller_mi, caller.cls or "")  # (a method: `written` read none otherwise)
                if owner not in self.classes:
                    continue
                values = _after(self.scan, self.classes, self.classes.index(owner), call.name)
            else:
                values = call.named
            out.extend((v.module, v.qualname) for v in values if isinstance(v, (MethodRef, FunctionRef)))
        return out

    def _dispatched(self, name: str) -> list[tuple[int, str]]:
        """`getattr(self, "_process_" + request.method)`: the methods whose names start with the
        constant part (the summary keeps the string's constant prefix, a space where it varies)."""
        known = {m for key in self.classes for m in _methods(self.scan, key)}
        prefix = name.split(" ")[0]
        if name in known:
            names = {name}
        else:  # a name built at run time (`"_process_" + verb` is summarised as its constant part)
            names = {m for m in known if m.startswith(prefix)} if prefix else set()
        return [(value.module, value.qualname) for method in sorted(names) for value in self.attr(method)
                if isinstance(value, MethodRef)]


def _after(scan: Scan, classes: list[tuple[int, str]], index: int, name: str) -> list[Value]:
    for cmi, cq in classes[index + 1:]:
        cls = scan.p.klass(cmi, cq)
        if cls is not None and name in cls.methods:
            return [MethodRef("meth", cmi, cls.methods[name])]
    return []


def _methods(scan: Scan, key: tuple[int, str]) -> dict[str, str]:
    cls = scan.p.klass(*key)
    return cls.methods if cls is not None else {}

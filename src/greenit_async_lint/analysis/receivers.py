"""When an inherited method walked for a subclass gives what it gives for its own class.

A method inherited from a base runs with `self` an instance of the subclass (classes.py), so
that `self.hook()` reaches the subclass's override: the walk is made per receiver class, and an
application with a few generic base controllers walks their methods once per controller (mealie:
343 of 1,061 walks, 283 of them equal to one already made for another receiver; 194 of the 343
are reused now).

The receiver enters a walk only through `self`: `self` is an instance of the receiver,
and `super()` starts from the receiver's lookup order. So the walk for a subclass `R` of the
method's class `C` is the walk for `C` when

- the method (and every method it reaches through `self.name`) uses `self` only as `self.name`:
  no bare `self` (an argument, a value), no `super()`;
- each such `name` is found on the same class from `R` as from `C` (a method, a class attribute or
  what a method stores on `self`), and is not an outside attribute (its value names the class it
  was read on), a stub (its overrides are those of the receiver's subclasses) or an alias;
- what the framework does on a call of `self.name()` does not depend on the class: the call runs
  no framework hook (hooks.py) and sends no signal implicitly (a receiver may name its sender);
- no class between `R` and `C` declares a computed default for such a name (traits.py).

Anything else keeps the receiver. The answer is memoised per (method, receiver).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, NamedTuple, Optional

from .hierarchy import is_stub
from .ir import Attr, Call, Const, Function, Name
from .values import ClassKey

if TYPE_CHECKING:
    from .reach import Reach

FunctionKey = tuple[int, str]


class SelfUse(NamedTuple):
    names: frozenset[str]  # every `self.<name>` the method reads or calls
    called: frozenset[str]  # those called (`self.<name>(...)`)
    plain: bool  # `self` is used only that way, and no `super()`


_OPAQUE = SelfUse(frozenset(), frozenset(), False)


class ReceiverReuse:
    def __init__(self, reach: Reach) -> None:
        self.r = reach
        self._uses: dict[FunctionKey, SelfUse] = {}
        self._same: dict[tuple[FunctionKey, ClassKey, ClassKey], bool] = {}
        self._assumed = False  # a decision under way met a method still being decided (see _same_walk)

    def own_class_walk(self, mi: int, qualname: str, receiver: ClassKey) -> bool:
        """Whether the walk of method `qualname` with `self` an instance of `receiver` is the
        walk with `self` an instance of the method's own class."""
        fn = self.r.p.function(mi, qualname)
        if fn is None or fn.cls is None:
            return False
        return self._same_walk((mi, qualname), receiver, (mi, fn.cls), set())

    def _same_walk(self, key: FunctionKey, receiver: ClassKey, own: ClassKey, busy: set[FunctionKey]) -> bool:
        memo = (key, receiver, own)
        found = self._same.get(memo)
        if found is not None:
            return found
        if key in busy:  # a method reached again through `self`: decided where it was first entered
            self._assumed = True
            return True
        outer, self._assumed = self._assumed, False
        busy.add(key)
        found = self._decide(key, receiver, own, busy)
        busy.discard(key)
        # "The same" that assumed a method of the cycle still being decided is kept only once the
        # first method entered is decided: that one may still find a difference (`a` calls `b`,
        # which calls `a` back, and `a` reads a name the receiver overrides).
        if not found or not self._assumed or not busy:
            self._same[memo] = found
        self._assumed = outer or self._assumed
        return found

    def _decide(self, key: FunctionKey, receiver: ClassKey, own: ClassKey, busy: set[FunctionKey]) -> bool:
        use = self.self_use(*key)
        if not use.plain:
            return False
        if not use.names:
            return True
        classes = self.r.ev.classes
        theirs, their_outside = classes.mro(*receiver)
        ours, our_outside = classes.mro(*own)
        if their_outside != our_outside:
            return False
        between = [c for c in theirs if c not in ours]
        if self._computed_defaults(between, use.names):
            return False
        for name in sorted(use.names):  # (one order whatever the hash seed)
            found = self._definer(theirs, their_outside, name)
            if found is None or found != self._definer(ours, our_outside, name):
                return False
            if found[0] == "m":
                method = self.r.p.function(found[1], found[2])
                if method is None or is_stub(method):
                    return False
                if name in use.called and self._framework_call(found[1], method, name):
                    return False
                if method.kind != "staticmethod" and not self._same_walk((found[1], found[2]), receiver, own, busy):
                    return False
            elif name in use.called:
                return False  # a call of a class attribute or a stored value: its values decide
        return True

    def _definer(self, classes: list[ClassKey], outside: list[str], name: str) -> Optional[tuple[Any, ...]]:
        """Where `name` is found on an instance (as classes.ClassLookup.attr looks it up):
        ("m", module, method), ("a"/"s", module, class) for a class attribute or a stored value, or
        ("none",); None when the answer names the class it was read on (an outside attribute) or
        redirects (an alias)."""
        p = self.r.p
        for cmi, cq in classes:
            cls = p.klass(cmi, cq)
            if cls is None:
                continue
            fq = cls.methods.get(name)
            if fq is not None:
                if p.function(cmi, fq) is None:
                    continue
                return ("m", cmi, fq)
            values = cls.attrs.get(name)
            if values:
                if any(isinstance(v, Name) and v.id in cls.methods for v in values):
                    return None
                return ("a", cmi, cq)
            if p.stores(cmi, cls).get(name):
                return ("s", cmi, cq)
        return None if outside else ("none",)

    def _computed_defaults(self, classes: Iterable[ClassKey], names: frozenset[str]) -> bool:
        """A method of one of `classes` decorated with a call naming one of `names` first
        (`@default("delete_to_trash")`: traits.own_trait)."""
        p = self.r.p
        for cmi, cq in classes:
            cls = p.klass(cmi, cq)
            for mq in cls.methods.values() if cls is not None else ():
                method = p.function(cmi, mq)
                if method is not None and any(isinstance(d, Call) and d.args and isinstance(d.args[0], Const)
                                              and d.args[0].value in names for d in method.decorators):
                    return True
        return False

    def _framework_call(self, mi: int, method: Function, name: str) -> bool:
        """Whether calling the project method `name` may run framework hooks or send a signal
        implicitly, which depend on the instance's class (hooks.py, signals.py)."""
        signals = self.r.signals
        if name in self.r.hooks.methods or name in signals.send_methods:
            return True
        if not signals.rules or method.cls is None:
            return False
        outside = self.r.ev.classes.mro(mi, method.cls)[1]
        return bool(outside) and bool(signals.sends_implicitly([f"{base}.{name}" for base in outside]))

    def self_use(self, mi: int, qualname: str) -> SelfUse:
        """How a method's body uses its first parameter (memoised: it does not depend on the receiver)."""
        key = (mi, qualname)
        found = self._uses.get(key)
        if found is None:
            found = self._uses[key] = _self_use(self.r.p.function(mi, qualname))
        return found


def _self_use(fn: Optional[Function]) -> SelfUse:
    # (a classmethod's `cls.<name>` is looked up without what methods store on `self`: kept opaque)
    if fn is None or fn.kind not in ("method", "property") or not fn.params:
        return _OPAQUE
    first = fn.params[0]
    if first.kind != "pos":
        return _OPAQUE
    names: set[str] = set()
    called: set[str] = set()
    scope = fn.scope
    parts: list[Any] = [list(scope.names.values()), scope.stores, fn.return_values, fn.self_attrs]
    for site in scope.calls:
        if isinstance(site.func, Attr) and site.func.base == Name("n", first.name):
            called.add(site.func.attr)
        parts.append((site.func, site.args, site.kwargs, [loop.iter for loop in site.loops],
                      [guard.subject for guard in site.guards]))
    if not _scan(parts, first.name, names):
        return _OPAQUE
    return SelfUse(frozenset(names), frozenset(called), True)


def _scan(node: Any, me: str, names: set[str]) -> bool:
    """Collect the `me.<name>` in `node` (nested tuples and lists of expressions); False when
    `me` is used any other way, or `super()` is called."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Attr):
            if item.base == Name("n", me):
                names.add(item.attr)
                continue
        elif isinstance(item, Name):
            if item.id == me or item.id == "super":
                return False
            continue
        if isinstance(item, (tuple, list)):
            stack.extend(x for x in item if isinstance(x, (tuple, list)))
    return True


__all__ = ["ReceiverReuse", "SelfUse"]

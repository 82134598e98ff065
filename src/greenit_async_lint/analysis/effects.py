"""What the walk collects: effects (a catalogued call a function reaches, with the chain of call
sites that leads there, and how the way there changes it) and the hops of their chains."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Iterable, TypeVar

from .frozen import copied

T = TypeVar("T")


@dataclass(frozen=True)
class Hop:
    """One call site of a chain: where it is and what it calls."""

    path: str
    line: int
    col: int
    call: str


def call_hop(path: str, line: int, col: int, call: str) -> Hop:
    """Hop(path, line, col, call), made as with_hop makes an effect: the reach makes one at every
    call site it walks (5,700 on mealie), and the frozen `__init__` sets each field through
    object.__setattr__ (0.9 µs a hop, against 0.3)."""
    made = object.__new__(Hop)
    fields = made.__dict__
    fields["path"] = path
    fields["line"] = line
    fields["col"] = col
    fields["call"] = call
    return made


@dataclass(frozen=True)
class Effect:
    """Catalogued work a function reaches, with the chain of calls there and how the way changes it."""

    family: str
    code: str
    weight: str  # heavy, blocking, poll, per-row, pending
    scope: str  # any, async
    leaf: str  # qualified name of the catalogued call
    chain: tuple[Hop, ...]  # from the call site in the function down to the catalogued call
    detail: str = ""  # the program a command line runs, for messages
    on_loop: bool = True  # False once a thread wrapper or pool runs it
    loop: str = ""  # the unbounded loop that amplified it
    via: str = ""  # a fake-offload family that carries it (task called directly, thread wrapper...)
    via_call: str = ""
    in_thread: bool = False  # runs in a sync worker thread the user waits for (a sync dependency)
    guard: str = ""  # why it is not every request's work (guards.py): the finding is then low confidence
    retry: bool = False  # the guard is a retry back-off: on an event loop the wait still stalls everyone
    # Conditions on the parameters of the function whose call site leads here (`if not dry_run:`),
    # as (parameter name, test); the caller's call site resolves them with its arguments.
    conds: tuple[tuple[str, str], ...] = ()
    guess: str = ""  # a hop resolved by a guess (class hierarchy, registry): the finding is then medium confidence
    awaited: bool = False  # an awaited call: the request waits for it, the event loop does not
    rows: str = ""  # per-row work in a loop over this parameter: the caller's argument decides (volume.py)
    # Work that depends on what this parameter holds (`session.delete(obj)`: obj's model's cascades),
    # with weight "pending": the call site that binds it evaluates its argument (cascades.py).
    pending: str = ""
    # Work a loop over the parameter `rows` amplified, and its weight before: the call site that
    # binds the parameter undoes the loop when it passes a small literal (`[html]`: loops.py).
    before: str = ""
    held: str = ""  # the low-confidence reason that loop took back (trivial.py), restored if it is undone

    def key(self) -> tuple[object, ...]:
        first = self.chain[0] if self.chain else None
        site = (first.path, first.line, first.col) if first else None
        return (site, self.code, self.via, self.weight, self.scope, self.on_loop, self.leaf, bool(self.loop),
                bool(self.guard), self.conds, bool(self.guess), self.awaited, self.rows, self.pending,
                self.before, self.held)


def with_hop(effect: Effect, hop: Hop) -> Effect:
    """The effect as reached one call further up (`hop` first in its chain). The walk does this
    at every hop of every chain: a copy of the fields, not `dataclasses.replace`, which runs the
    frozen __init__ over all of them again."""
    new = object.__new__(Effect)
    fields = new.__dict__
    fields.update(effect.__dict__)
    fields["chain"] = (hop, *effect.chain)
    return new


_EFFECT_FIELDS = frozenset(f.name for f in dataclasses.fields(Effect))


def replace(obj: T, /, **changes: Any) -> T:
    """dataclasses.replace, cheaper for an Effect (frozen.copied): the walk's passes (loops,
    guards, conditions, volume) change a field or two of thousands of effects, and
    dataclasses.replace runs the frozen __init__ over all twenty again."""
    if type(obj) is not Effect:
        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    return copied(obj, _EFFECT_FIELDS, changes)


def best_effects(effects: Iterable[Effect]) -> list[Effect]:
    """One effect per call site and kind of work reached, with the shortest chain."""
    best: dict[tuple[object, ...], Effect] = {}
    for effect in effects:
        key = effect.key()
        current = best.get(key)
        if current is None or len(effect.chain) < len(current.chain):
            best[key] = effect
    return list(best.values())

"""Values to the plain JSON data safecodec.Codec writes: records by their class's code, shared
dataclasses written once per value and referred to by number after that (see Codec's docstring
for the format). A batch encoder (Codec.batch_encoder) keeps what it made of each tuple."""
from __future__ import annotations

import base64
from sys import getrefcount
from typing import Any, Optional


class CodecError(ValueError):
    """A value that cannot be stored, or bytes that are not a stored value."""


# Tuples a batch encoder remembers before it starts again (about 15 MB of JSON data: a writer of
# 10,000 files' summaries would otherwise keep a copy of most of them).
MEMO_MAX = 50_000
_ONE_HOLDER = 4  # sys.getrefcount of a tuple in `walk` that one container holds (see there)

# Floats are not among the values kept as they are: a NaN must not be written as JSON's `NaN`,
# which stands for the empty tuple (below). They are rare in summaries (a timeout's `0.5`).
_SCALARS = frozenset({str, int, bool, type(None)})
# The empty tuple, a third of the tuples a summary holds (a fifth of indico's JSON objects), is
# written as the token `NaN`: the decoder maps it back with a dict lookup (safecodec's
# parse_constant), not a call of the object hook per `{"t":[]}`.
_EMPTY_TUPLE = float("nan")
_NAN: dict[str, int] = {"n": 0}  # a float NaN (a real one, should a summary ever hold one)


class Encoder:
    """Values to plain JSON data. `walk` is given no scalar: callers keep those as they are, which
    saves a call for most fields."""

    def __init__(self, tuples: dict[type, str], objects: dict[type, tuple[str, Any]],
                 memo: Optional[dict[int, Any]] = None, kept: Optional[list[Any]] = None) -> None:
        self.tuples = tuples  # NamedTuple classes -> their code
        self.objects = objects  # dataclasses -> (their code, their fields' getter)
        self.ids: dict[int, int] = {}
        self.open: set[int] = set()
        self.keep: list[Any] = []  # keeps encoded objects alive, so that their ids stay unique
        # Tuples already encoded, by id (Codec.batch_encoder; kept alive by `kept`). Only a tuple
        # with no dataclass inside is remembered: a dataclass is written whole once per value and
        # referred to by number after that, so its data differs from one place to the next.
        self.memo = memo if memo is not None else {}
        self.kept = kept if kept is not None else []
        self.records = 0  # dataclasses met so far (`shared`)

    def top(self, x: Any) -> Any:
        return x if type(x) in _SCALARS else self.walk(x)

    def walk(self, x: Any) -> Any:
        t = type(x)
        walk = self.walk
        code = self.tuples.get(t)
        if code is not None or t is tuple:  # NamedTuples first: most of what a cache holds
            if not x and code is None:
                return _EMPTY_TUPLE
            key = id(x)
            found = self.memo.get(key)
            if found is not None:
                return found
            records = self.records
            found = {code or "t": [v if type(v) in _SCALARS else walk(v) for v in x]}
            # Only a tuple held by more than its one container can be met again: the others (60 %
            # of warehouse's, none ever met twice) would only fill the memo. Four references here
            # are its container's, the caller's loop variable, `x` and getrefcount's argument.
            if self.records == records and getrefcount(x) > _ONE_HOLDER:
                if len(self.kept) >= MEMO_MAX:  # bounded: a large batch starts again
                    self.memo.clear()
                    self.kept.clear()
                self.memo[key] = found
                self.kept.append(x)
            return found
        if t is list:
            return [v if type(v) in _SCALARS else walk(v) for v in x]
        if t is float:
            return x if x == x else _NAN
        shared = self.objects.get(t)
        if shared is not None:
            return self.shared(x, *shared)
        if t is dict:
            flat = []
            for k, v in x.items():
                flat.append(k if type(k) in _SCALARS else walk(k))
                flat.append(v if type(v) in _SCALARS else walk(v))
            return {"d": flat}
        if t is frozenset or t is set:
            return {"f" if t is frozenset else "s": [v if type(v) in _SCALARS else walk(v) for v in x]}
        if t is bytes:
            return {"b": base64.b64encode(x).decode("ascii")}
        if t is complex:
            return {"c": [walk(x.real), walk(x.imag)]}
        if x is ...:
            return {"e": 0}
        raise CodecError(f"cannot store a {t.__name__}")

    def shared(self, x: Any, code: str, values: Any) -> Any:
        self.records += 1
        key = id(x)
        if key in self.ids:
            if key in self.open:
                raise CodecError(f"a {type(x).__name__} contains itself")
            return {"r": self.ids[key]}
        number = self.ids[key] = len(self.ids)
        self.keep.append(x)
        self.open.add(key)
        walk = self.walk
        out = {code: [v if type(v) in _SCALARS else walk(v) for v in values(x)], "i": number}
        self.open.discard(key)
        return out

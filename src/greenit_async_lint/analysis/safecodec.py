"""A JSON encoding that cannot run code: plain data and this package's own record types.

pickle rebuilds whatever a file names (its `__reduce__` runs any callable). `Codec` writes JSON
and rebuilds only the classes it was given (dataclasses and NamedTuples, through their generated
`__init__` or by setting their fields: no import by name, no other code). Shared instances stay
shared; anything unexpected in the bytes raises CodecError. Used by every on-disk cache through
safestore.py (entries with a keyed checksum).
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import operator
import sys
from types import ModuleType
from typing import Any, Callable, Iterable, Optional, cast

from .safeencoder import CodecError, Encoder

_PACKAGE = __name__.split(".")[0]
__all__ = ["Canon", "Codec", "CodecError", "classes_in"]


def classes_in(*modules: ModuleType) -> list[type]:
    """The dataclasses and NamedTuples of this package that the modules define or import: what a
    cache of their values may rebuild (generic, so that a new record type needs no registration)."""
    found: dict[type, None] = {}
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__.startswith(_PACKAGE) and (
                    dataclasses.is_dataclass(value) or (issubclass(value, tuple) and hasattr(value, "_fields"))):
                found[value] = None
    return list(found)


def record_fields(cls: type) -> tuple[str, ...]:
    """A record class's field names, in order: a NamedTuple's or a dataclass's."""
    if issubclass(cls, tuple):
        return tuple(cls._fields)  # type: ignore[attr-defined]
    return tuple(f.name for f in dataclasses.fields(cast(Any, cls)))


def fingerprint(encoding: str, classes: list[type]) -> str:
    """A codec's fingerprint, written in its cache files' headers: its encoding and each record
    class with its fields, so that entries another shape wrote are a miss, never a misread."""
    described = [f"{cls.__module__}.{cls.__qualname__}({','.join(record_fields(cls))})" for cls in classes]
    return hashlib.blake2b("\n".join([encoding, *described]).encode(), digest_size=8).hexdigest()


class Codec:
    """JSON for None, bool, int, float, complex, `...`, str, bytes, tuple, list, dict, set, frozenset and instances of
    the given classes. Shared instances stay shared (a finding and its handler's entry in the
    handler list are one object after decoding); cycles are refused when encoding.

    The encoding is positional and compact: a record is `{"<n>": [fields...]}`, n its class's
    place in the list the codec was given, so the bytes mean something only to a codec built from
    the same classes with the same fields: `fingerprint` names that list, and a cache stores it
    in its file header (another fingerprint is a miss). Other containers are one-key objects too
    (`{"t": [...]}` a tuple, `"d"` a dict as a flat key/value list, `"f"`/`"s"` sets, `"b"` bytes,
    `"c"` complex, `"e"` the ellipsis, `"r"` a reference to a shared record, which carries `"i"`,
    `"n"` a float NaN); the token `NaN` is the empty tuple, and a JSON list is a list. Decoding
    reads each object as its key/value pairs, with no dict built."""

    def __init__(self, classes: Iterable[type]) -> None:
        classes = list(dict.fromkeys(classes))
        self.fields: dict[type, tuple[str, ...]] = {}
        self.codes: dict[type, str] = {}
        self.makers: dict[str, Any] = dict(_CONTAINERS)
        self.tuples: dict[type, str] = {}  # NamedTuples: values, encoded in place
        self.objects: dict[type, tuple[str, Any]] = {}  # dataclasses: shared, (code, fields getter)
        self.records: dict[str, tuple[type, int]] = {}  # NamedTuples by code, with their size
        for n, cls in enumerate(classes):
            self.fields[cls] = record_fields(cls)
            self.codes[cls] = str(n)
            self.makers[str(n)] = _builder(cls, self.fields[cls])
            if issubclass(cls, tuple):
                self.tuples[cls] = str(n)
                self.records[str(n)] = (cls, len(self.fields[cls]))
            else:
                self.objects[cls] = (str(n), operator.attrgetter(*self.fields[cls]) if len(self.fields[cls]) > 1
                                     else (lambda x, names=self.fields[cls]: tuple(getattr(x, k) for k in names)))
        self.fingerprint = fingerprint(f"format {FORMAT}", classes)

    # -- encoding -------------------------------------------------------------------------------

    def encode(self, value: Any) -> bytes:
        return self._encode(value, Encoder(self.tuples, self.objects))

    def batch_encoder(self) -> Callable[[Any], bytes]:
        """`encode` for a batch of values that stay alive and unchanged while it is used (a cache
        writer's summaries): a tuple met again, in the same value or another, is given the JSON
        data it was given before instead of being walked again. The summaries of one process share
        their names, attributes and constants (sharing.py): on warehouse that is 22 % of encoding."""
        memo: dict[int, Any] = {}
        keep: list[Any] = []
        return lambda value: self._encode(value, Encoder(self.tuples, self.objects, memo, keep))

    def _encode(self, value: Any, encoder: Encoder) -> bytes:
        try:
            return _DUMPS(encoder.top(value)).encode("utf-8")
        except RecursionError:
            raise CodecError("value nested too deeply to store") from None

    # -- decoding -------------------------------------------------------------------------------

    def decode(self, data: bytes, canon: Optional[Canon] = None) -> Any:
        """The value `data` encodes. With `canon`, equal NamedTuples and tuples of plain values are
        one object across every decode given the same `canon` (see Canon)."""
        shared: dict[int, Any] = {}
        makers = dict(self.makers)
        makers["r"] = shared.__getitem__
        records, new = self.records, tuple.__new__
        if canon is not None:
            memo, ids, intern = canon.memo, canon.ids, sys.intern
            setdefault, add = memo.setdefault, ids.add

        def hook(pairs: list[tuple[str, Any]]) -> Any:
            # Called for every object, innermost first: NamedTuples and tuples, most of what a
            # cache holds, are built here rather than by a further call.
            if len(pairs) == 1:
                tag, values = pairs[0]
                if values.__class__ is list:
                    record = records.get(tag)
                    if record is not None and len(values) == record[1]:
                        value: Any = new(record[0], values)
                    elif tag == "t":
                        value = tuple(values)
                    else:
                        return makers[tag](values)
                    if canon is None:
                        return value
                    for v in values:  # only exact str, int, None or canonical values: see Canon
                        c = v.__class__
                        if c is not str and c is not int and v is not None and id(v) not in ids:
                            return value
                    found = setdefault(value, value)
                    if found is value:
                        add(id(value))
                    elif found.__class__ is not value.__class__:
                        return value  # equal to another class's values: left out, so never equal to a canonical one
                    return found
                return makers[tag](values)
            (tag, values), (key, number) = pairs  # a shared record: {"<n>": [...], "i": number}
            if key != "i" or type(number) is not int or tag in _CONTAINERS or tag == "r":
                raise CodecError("a shared entry that is not a record")
            if canon is not None and values.__class__ is list:  # names, qualnames, call texts: one copy each
                values = [intern(v) if v.__class__ is str else v for v in values]
            value = shared[number] = makers[tag](values)
            return value

        try:
            return json.loads(data.decode("utf-8"), object_pairs_hook=hook, parse_constant=_CONSTANTS.__getitem__)
        except CodecError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever the bytes hold, it is only a bad entry
            raise CodecError(f"not a stored value: {type(exc).__name__}") from None


FORMAT = 3  # the encoding below; part of every codec's fingerprint


class Canon:
    """What decodes share so that equal immutable values are one object (hash-consing): the
    decoded summaries of a large project repeat the same names, attributes and constants
    thousands of times, and a decoded copy each took twice the memory of freshly made summaries.

    Only a NamedTuple or tuple whose values are all exact str, exact int, None or canonical is
    made canonical, and only one object per equal value, whatever its class: so two canonical
    objects are equal only if they are the same object, and comparing candidates value by value
    is exact (a bool, a float, a list or a dataclass inside keeps the tuple out: True == 1 == 1.0,
    and a list can change). Mutable records (dataclasses) are never merged, but the strings they
    hold are interned (on 2,000 generated files: 148 -> 104 MB)."""

    def __init__(self) -> None:
        # The empty tuple, decoded from `NaN` without the hook (CPython's one empty tuple), is canonical.
        self.memo: dict[tuple[Any, ...], tuple[Any, ...]] = {(): ()}
        self.ids: set[int] = {id(())}  # of the memo's values, which the memo keeps alive


def _listed(values: Any) -> Any:
    if values.__class__ is not list:
        raise CodecError("a list was expected")
    return values


def _dict(values: Any) -> dict[Any, Any]:
    _listed(values)
    return dict(zip(values[0::2], values[1::2]))


def _bytes(values: Any) -> bytes:
    return base64.b64decode(values, validate=True)


def _ellipsis(_values: Any) -> Any:
    return ...


# JSON's three constants: `NaN` is the empty tuple (safeencoder.py), a float NaN is `{"n": 0}`.
_CONSTANTS: dict[str, Any] = {"NaN": (), "Infinity": float("inf"), "-Infinity": float("-inf")}
_CONTAINERS: dict[str, Any] = {
    "t": lambda values: tuple(_listed(values)),
    "n": lambda _values: float("nan"),
    "d": _dict,
    "f": lambda values: frozenset(_listed(values)),
    "s": lambda values: set(_listed(values)),
    "b": _bytes,
    "c": lambda values: complex(*_listed(values)),
    "e": _ellipsis,
}
_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=True, check_circular=False).encode


def _builder(cls: type, names: tuple[str, ...]) -> Any:
    """values -> instance, refusing anything but a list of the class's field count. A dataclass is
    built by its generated `__init__` when every field is an init argument (the fastest way), by
    setting the fields otherwise."""
    size = len(names)
    if issubclass(cls, tuple):
        new = tuple.__new__

        def make_tuple(values: Any) -> Any:
            if values.__class__ is not list or len(values) != size:
                raise CodecError(f"{cls.__qualname__}: {size} fields expected")
            return new(cls, values)
        return make_tuple
    if all(f.init for f in dataclasses.fields(cast(Any, cls))):
        def make(values: Any) -> Any:
            if values.__class__ is not list or len(values) != size:
                raise CodecError(f"{cls.__qualname__}: {size} fields expected")
            return cls(*values)
        return make

    def build(values: Any) -> Any:
        if values.__class__ is not list or len(values) != size:
            raise CodecError(f"{cls.__qualname__}: {size} fields expected")
        obj = object.__new__(cls)
        for field_name, value in zip(names, values):
            object.__setattr__(obj, field_name, value)  # frozen and slotted dataclasses alike
        return obj
    return build

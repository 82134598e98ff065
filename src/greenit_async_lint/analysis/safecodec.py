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
import json
from types import ModuleType
from typing import Any, Iterable, cast

_PACKAGE = __name__.split(".")[0]


class CodecError(ValueError):
    """A value that cannot be stored, or bytes that are not a stored value."""


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


class Codec:
    """JSON for None, bool, int, float, complex, `...`, str, bytes, tuple, list, dict, set, frozenset and instances of
    the given classes. Shared instances stay shared (a finding and its handler's entry in the
    handler list are one object after decoding); cycles are refused when encoding."""

    def __init__(self, classes: Iterable[type]) -> None:
        classes = list(dict.fromkeys(classes))
        short = [cls.__qualname__ for cls in classes]
        self.by_name: dict[str, type] = {}
        self.names: dict[type, str] = {}
        self.fields: dict[type, tuple[str, ...]] = {}
        self.builders: dict[str, Any] = {}
        for cls in classes:
            # Short names keep the JSON small; two classes of one name are told apart by module.
            name = cls.__qualname__ if short.count(cls.__qualname__) == 1 else f"{cls.__module__}.{cls.__qualname__}"
            self.by_name[name] = cls
            self.names[cls] = name
            self.fields[cls] = (tuple(cls._fields) if issubclass(cls, tuple)  # type: ignore[attr-defined]
                                else tuple(f.name for f in dataclasses.fields(cast(Any, cls))))
            self.builders[name] = _builder(cls, self.fields[cls])

    # -- encoding -------------------------------------------------------------------------------

    def encode(self, value: Any) -> bytes:
        try:
            plain = _Encoder(self).walk(value)
            return json.dumps(plain, ensure_ascii=False, separators=(",", ":"), allow_nan=True).encode("utf-8")
        except RecursionError:
            raise CodecError("value nested too deeply to store") from None

    # -- decoding -------------------------------------------------------------------------------

    def decode(self, data: bytes) -> Any:
        shared: dict[int, Any] = {}

        def hook(obj: dict[str, Any]) -> Any:
            if "t" in obj:
                return tuple(obj["t"])
            if "o" in obj:
                value = self._build(obj["o"], obj["v"])
                if "i" in obj:
                    shared[obj["i"]] = value
                return value
            if "r" in obj:
                return shared[obj["r"]]
            if "d" in obj:
                items = obj["d"]
                return dict(zip(items[0::2], items[1::2]))
            if "f" in obj:
                return frozenset(obj["f"])
            if "s" in obj:
                return set(obj["s"])
            if "b" in obj:
                return base64.b64decode(obj["b"], validate=True)
            if "c" in obj:
                return complex(*obj["c"])
            if "e" in obj:
                return ...
            raise CodecError(f"unknown entry {sorted(obj)[:3]}")

        try:
            return json.loads(data.decode("utf-8"), object_hook=hook)
        except CodecError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever the bytes hold, it is only a bad entry
            raise CodecError(f"not a stored value: {type(exc).__name__}") from None

    def _build(self, name: Any, values: Any) -> Any:
        built = self.builders.get(name) if isinstance(name, str) else None
        if built is None:
            raise CodecError(f"class {name!r} is not one this cache stores")
        size, make = built
        if type(values) is not list or len(values) != size:
            raise CodecError(f"{name}: {size} fields expected")
        return make(values)


def _builder(cls: type, names: tuple[str, ...]) -> tuple[int, Any]:
    """(field count, values -> instance). A dataclass is built by its generated `__init__` when
    every field is an init argument (the fastest way), by setting the fields otherwise."""
    if issubclass(cls, tuple):
        return len(names), lambda values: tuple.__new__(cls, values)
    if all(f.init for f in dataclasses.fields(cast(Any, cls))):
        return len(names), lambda values: cls(*values)

    def build(values: list[Any]) -> Any:
        obj = object.__new__(cls)
        for field_name, value in zip(names, values):
            object.__setattr__(obj, field_name, value)  # frozen and slotted dataclasses alike
        return obj
    return len(names), build


_SCALARS = frozenset({str, int, float, bool, type(None)})


class _Encoder:
    def __init__(self, codec: Codec) -> None:
        self.codec = codec
        self.ids: dict[int, int] = {}
        self.open: set[int] = set()
        self.keep: list[Any] = []  # keeps encoded objects alive, so that their ids stay unique

    def walk(self, x: Any) -> Any:
        t = type(x)
        if t in _SCALARS:
            return x
        walk = self.walk
        if t is tuple:
            return {"t": [v if type(v) in _SCALARS else walk(v) for v in x]}
        if t is list:
            return [v if type(v) in _SCALARS else walk(v) for v in x]
        if t is dict:
            flat = []
            for k, v in x.items():
                flat.append(walk(k))
                flat.append(walk(v))
            return {"d": flat}
        if t is frozenset or t is set:
            return {"f" if t is frozenset else "s": [walk(i) for i in x]}
        if t is bytes:
            return {"b": base64.b64encode(x).decode("ascii")}
        if t is complex:
            return {"c": [x.real, x.imag]}
        if x is ...:
            return {"e": 0}
        names = self.codec.fields.get(t)
        if names is None:
            raise CodecError(f"cannot store a {t.__name__}")
        if issubclass(t, tuple):
            return {"o": self.codec.names[t], "v": [v if type(v) in _SCALARS else walk(v) for v in x]}
        key = id(x)
        if key in self.ids:
            if key in self.open:
                raise CodecError(f"a {t.__name__} contains itself")
            return {"r": self.ids[key]}
        self.ids[key] = len(self.ids)
        self.keep.append(x)
        self.open.add(key)
        out = {"o": self.codec.names[t], "v": [walk(getattr(x, n)) for n in names], "i": self.ids[key]}
        self.open.discard(key)
        return out

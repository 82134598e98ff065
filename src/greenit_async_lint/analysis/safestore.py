"""Cache files that cannot run code: a JSON encoding of plain data and of our own record types, in
checksummed entries.

A cache folder lives in the checked project, so a pull request can plant files in it. pickle
rebuilds whatever a file names (its `__reduce__` runs any callable), so nothing here is pickled:
`Codec` writes JSON and rebuilds only the classes it was given (dataclasses and NamedTuples, by
setting their fields: no `__init__`, no import by name). Each entry carries a keyed BLAKE2 checksum;
the key is a random secret kept in the user's cache folder, outside every project, so an entry
planted in a repository never verifies (it could not run code anyway, but it could claim a clean
result). Any failure at all while reading — missing, truncated, corrupted, forged, too large,
too deep — is a miss, and the caller rebuilds and rewrites the entry.

`Codec(classes).encode(value) -> bytes` / `.decode(bytes) -> value`, and `EntryFile` (entries by
key in one file, decoded lazily) are reused by every cache (summaries, results, fix plans).
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import secrets
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable, Optional, cast

from .readfile import read_bytes

_PACKAGE = __name__.split(".")[0]
MAX_CACHE_BYTES = 2_000_000_000
_MAC_BYTES = 16
_FALLBACK_KEY = b"greenit-async-lint cache, no private key available"
GITIGNORE = "# Created by greenit-async-lint: its cache is not for version control.\n*\n"


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


# -- checksummed entry files ---------------------------------------------------------------------

def _user_cache_home() -> Path:
    base = os.environ.get("XDG_CACHE_HOME")
    return Path(base) if base else Path.home() / ".cache"


_KEY: Optional[bytes] = None


def secret_key() -> bytes:
    """This user's random cache key, created on first use (mode 0600) outside every project."""
    global _KEY
    if _KEY is not None:
        return _KEY
    try:
        path = _user_cache_home() / "greenit-async-lint" / "cache-key"
        try:
            key = read_bytes(path, 4096)
        except Exception:  # noqa: BLE001 - absent or unreadable: make one
            key = b""
        if len(key) < 32:
            path.parent.mkdir(parents=True, exist_ok=True)
            key = secrets.token_bytes(32)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cache-key-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(key)
            os.replace(tmp, path)
        _KEY = key[:64]
    except (OSError, RuntimeError):  # no home, read-only home: entries still checksummed
        _KEY = _FALLBACK_KEY
    return _KEY


def _mac(key: str, body: bytes) -> str:
    digest = hashlib.blake2b(body, digest_size=_MAC_BYTES, key=secret_key(), person=b"gal-cache")
    digest.update(key.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class EntryFile:
    """Entries by key (a hash or a fingerprint: no spaces or newlines) in one file, one a line:
    `key mac json`. Reading splits the lines only; an entry is verified and decoded when asked for,
    so a bad entry costs only itself."""

    def __init__(self, path: Path, header: str, read: bool = True) -> None:
        self.path = path
        self.header = header.encode("utf-8")
        self.raw: dict[str, bytes] = {}
        if not read:
            return
        try:
            data = read_bytes(path, MAX_CACHE_BYTES)
            lines = data.split(b"\n")
            if lines and lines[0] == self.header:
                for line in lines[1:]:
                    key, sep, rest = line.partition(b" ")
                    if sep:
                        self.raw[key.decode("ascii")] = rest
        except Exception:  # noqa: BLE001 - any unreadable file is an empty cache
            self.raw = {}

    def __contains__(self, key: str) -> bool:
        return key in self.raw

    def body(self, key: str) -> Optional[bytes]:
        """The verified JSON body stored under `key`, or None."""
        line = self.raw.get(key)
        if line is None:
            return None
        mac, _sep, body = line.partition(b" ")
        try:
            return body if mac.decode("ascii") == _mac(key, body) else None
        except Exception:  # noqa: BLE001
            return None

    def get(self, key: str, codec: Codec) -> Optional[Any]:
        body = self.body(key)
        if body is None:
            return None
        try:
            return codec.decode(body)
        except CodecError:
            return None

    def put(self, key: str, body: bytes) -> None:
        if not key or any(c in key for c in " \n") or b"\n" in body:
            raise CodecError(f"cannot store key {key[:40]!r}")
        self.raw[key] = _mac(key, body).encode("ascii") + b" " + body

    def drop(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.raw.pop(key, None)

    def save(self) -> None:
        """Write every entry (atomically); a read-only folder only costs the next run its speed."""
        try:
            write_atomic(self.path, b"\n".join([self.header, *(k.encode("ascii") + b" " + v
                                                               for k, v in self.raw.items())]) + b"\n")
        except OSError:
            pass


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file of a cache folder, creating the folder with a `.gitignore` of `*` as ruff does."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text(GITIGNORE, encoding="utf-8")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise

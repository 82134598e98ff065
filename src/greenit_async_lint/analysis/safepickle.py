"""The summary cache's entries as pickles that can build nothing but the summary records.

Decoding summaries is most of a check after a one-file edit: every other file's summary is read
back from the cache. safecodec's JSON is rebuilt by a Python hook called for every object (indico's
1,270 summaries: 1.6 s, 27 MB), where the C unpickler takes 0.27 s (10 MB), and encoding them for
the cache, which a cold check's writers do beside the analysis, is 2.5 times cheaper.

pickle is only safe for bytes this tool wrote, so three things hold here:

- bytes reach `decode` only through safestore, after their keyed checksum verified against the
  user's private key, which lives outside every project: an entry planted in a checked repository
  (or a shared cache folder) never verifies, so it is never unpickled;
- loader.SummaryCache uses this codec only when that key is private (safestore.has_private_key);
  with the public fallback key it keeps safecodec's JSON;
- the unpickler resolves no name but the record classes it was given (and `complex`, `Ellipsis`
  and the set types, which summaries may hold): a pickle that names anything else (`os.system`,
  `builtins.eval`) is a CodecError before anything is called, as the `pickle` documentation's
  "Restricting Globals" describes. So even a forged entry could only build summary records, which
  `_same_file` and the analysis then read as data.

Unpickled summaries share what each file's pickle shared, not equal values across files: from
loader.CANON_MIN_FILES files on the loader keeps the JSON codec, whose decoding shares them
(safecodec.Canon). On 10,000 generated files, unpickled summaries took the check after an edit to
1,028 MiB (18.8 s), where shared JSON takes it to about 890 MiB (38 s); sharing them after
unpickling cost more time and memory than it saved.
"""
from __future__ import annotations

import binascii
import io
import pickle
from typing import Any, Callable, Iterable, Optional

from .safecodec import Canon, CodecError, fingerprint

PROTOCOL = 5
FORMAT = 1  # this module's framing (base64 of a protocol-5 pickle); part of the fingerprint
_ALLOWED_BUILTINS: dict[tuple[str, str], Any] = {
    ("builtins", "complex"): complex,
    ("builtins", "Ellipsis"): ...,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "set"): set,
}
_MISSING = object()


class PickleCodec:
    """`encode(value) -> bytes` and `decode(bytes, canon) -> value` for values made of plain data
    and the given classes (see the module docstring for when the bytes may be trusted). The
    encoding is base64, so that an entry holds no newline (safestore's files are one entry a line)."""

    def __init__(self, classes: Iterable[type]) -> None:
        classes = list(dict.fromkeys(classes))
        self.allowed: dict[tuple[str, str], Any] = dict(_ALLOWED_BUILTINS)
        for cls in classes:
            self.allowed[(cls.__module__, cls.__qualname__)] = cls
        self.fingerprint = fingerprint(f"pickle {PROTOCOL} format {FORMAT}", classes)

    def encode(self, value: Any) -> bytes:
        try:
            return binascii.b2a_base64(pickle.dumps(value, PROTOCOL), newline=False)
        except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError) as exc:
            raise CodecError(f"cannot store the value: {type(exc).__name__}") from None

    def batch_encoder(self) -> Callable[[Any], bytes]:
        return self.encode

    def pickled(self, value: Any) -> bytes:
        """The pickle `encode` wraps: what a summary worker sends its parent (workers.py), so that
        its cache entry (`from_pickled`) costs no second pickling."""
        return pickle.dumps(value, PROTOCOL)

    @staticmethod
    def from_pickled(data: bytes) -> bytes:
        """`encode(value)`, from `pickled(value)`."""
        return binascii.b2a_base64(data, newline=False)

    def decode(self, data: bytes, canon: Optional[Canon] = None) -> Any:
        if canon is not None:  # a caller's mistake, not a bad entry: never a silent miss
            raise TypeError("pickled summaries do not share values: use safecodec.Codec for that")
        try:
            stream = io.BytesIO(binascii.a2b_base64(data))
            value = _Restricted(stream, self.allowed).load()
            if stream.read(1):
                raise CodecError("bytes after the stored value")
        except CodecError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever the bytes hold, it is only a bad entry
            raise CodecError(f"not a stored value: {type(exc).__name__}") from None
        return value


class _Restricted(pickle.Unpickler):
    """An unpickler that finds only the allowed names, and no persistent ids."""

    def __init__(self, stream: io.BytesIO, allowed: dict[tuple[str, str], Any]) -> None:
        super().__init__(stream)
        self.allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        found = self.allowed.get((module, name), _MISSING)
        if found is _MISSING:
            raise CodecError(f"a cache entry names {module}.{name}")
        return found

    def persistent_load(self, _pid: Any) -> Any:
        raise CodecError("a cache entry holds a persistent id")

"""Cache files that cannot run code: entries with a keyed checksum, decoded only once it verifies.

A cache folder lives in the checked project, so a pull request can plant files in it. Each entry
carries a keyed BLAKE2 checksum; the key is a random secret kept in the user's cache folder,
outside every project, so an entry planted in a repository never verifies and is never decoded
(it could claim a clean result). Values are JSON from safecodec.Codec, which rebuilds only the
record types it was given, except the summaries' entries, which are restricted pickles
(safepickle.py) and only when the key is private (`has_private_key`): pickle is for bytes this
tool wrote. Any failure at all while reading — missing, truncated, corrupted, forged, too large,
too deep — is a miss, and the caller rebuilds and rewrites the entry.

`Codec(classes).encode(value) -> bytes` / `.decode(bytes) -> value`, and `EntryFile` (entries by
key in one file, decoded lazily) are reused by every cache (summaries, results, fix plans);
`EntryShards` spreads one cache over files that several processes write at once (summaries).
"""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Union

from .readfile import read_bytes
from .tmpfile import temporary_file
from .safecodec import Canon, Codec, CodecError, classes_in
from .safepickle import PickleCodec

__all__ = ["Canon", "Codec", "CodecError", "EntryCodec", "EntryFile", "EntryShards", "PickleCodec", "classes_in",
           "has_private_key", "secret_key", "write_atomic"]
EntryCodec = Union[Codec, PickleCodec]

MAX_CACHE_BYTES = 2_000_000_000
LEFTOVER_SECONDS = 3600  # a temporary file this old is a killed writer's
_MAC_BYTES = 16
_FALLBACK_KEY = b"greenit-async-lint cache, no private key available"
GITIGNORE = "# Created by greenit-async-lint: its cache is not for version control.\n*\n"


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
            key = os.urandom(32)
            fd, tmp = temporary_file(path.parent, ".cache-key-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(key)
            os.replace(tmp, path)
        _KEY = key[:64]
    except (OSError, RuntimeError):  # no home, read-only home: entries still checksummed
        _KEY = _FALLBACK_KEY
    return _KEY


def has_private_key() -> bool:
    """Whether entries are checksummed with this user's own key, not the public fallback: only
    then can a verified entry be taken for one this tool wrote (safepickle.py)."""
    return secret_key() != _FALLBACK_KEY


def _mac(key: str, body: bytes) -> str:
    digest = hashlib.blake2b(body, digest_size=_MAC_BYTES, key=secret_key(), person=b"gal-cache")
    digest.update(key.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


Line = Union[bytes, memoryview]  # `mac json` of an entry: read ones are views of their file's bytes


def _verified(key: str, line: Line) -> Optional[bytes]:
    mac, _sep, body = bytes(line).partition(b" ")  # a view of a file's bytes: this entry's copy only
    try:
        return body if mac.decode("ascii") == _mac(key, body) else None
    except Exception:  # noqa: BLE001
        return None


class EntryFile:
    """Entries by key (a hash or a fingerprint: no spaces or newlines) in one file, one a line:
    `key mac json`. Reading finds the lines only; an entry is verified and decoded when asked for,
    so a bad entry costs only itself.

    The entries read are views of the file's bytes, not copies: a large project's summaries are
    hundreds of megabytes, and splitting them into lines, then into entries, held them three
    times over. The file's bytes are freed, whole, once `raw` lets go of every view (`release`)."""

    def __init__(self, path: Path, header: str, read: bool = True) -> None:
        self.path = path
        self.header = header.encode("utf-8")
        self.raw: dict[str, Line] = {}
        if not read:
            return
        try:
            data = read_bytes(path, MAX_CACHE_BYTES)
            view = memoryview(data)
            start = len(self.header) + 1
            if data[:start] != self.header + b"\n":
                return
            while start < len(data):
                end = data.find(b"\n", start)
                end = len(data) if end < 0 else end
                space = data.find(b" ", start, end)
                if space > start:
                    self.raw[data[start:space].decode("ascii")] = view[space + 1:end]
                start = end + 1
        except Exception:  # noqa: BLE001 - any unreadable file is an empty cache
            self.raw = {}

    def __contains__(self, key: str) -> bool:
        return key in self.raw

    def body(self, key: str) -> Optional[bytes]:
        """The verified JSON body stored under `key`, or None."""
        line = self.raw.get(key)
        return None if line is None else _verified(key, line)

    def get(self, key: str, codec: EntryCodec, canon: Optional[Canon] = None) -> Optional[Any]:
        body = self.body(key)
        if body is None:
            return None
        try:
            return codec.decode(body, canon)
        except CodecError:
            return None

    def put(self, key: str, body: bytes) -> None:
        if not key or any(c in key for c in " \n") or b"\n" in body:
            raise CodecError(f"cannot store key {key[:40]!r}")
        self.raw[key] = _mac(key, body).encode("ascii") + b" " + body

    def drop(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.raw.pop(key, None)

    def release(self) -> None:
        """Forget every entry read (and so free the files' bytes): nothing more will be asked."""
        self.raw = {}

    def save(self) -> None:
        """Write every entry (atomically); a read-only folder only costs the next run its speed."""
        try:
            write_atomic(self.path, self.content(self.raw))
        except OSError:
            pass

    def content(self, raw: dict[str, Line]) -> Iterator[bytes]:
        """The file's bytes, in pieces (an entry at a time: never the whole file at once)."""
        yield self.header + b"\n"
        for key, line in raw.items():
            yield b"".join((key.encode("ascii"), b" ", line, b"\n"))


class EntryShards:
    """One cache spread over the files of a folder: `<stem>.jsonl`, the entries a run kept when it
    compacted them, and shards `<stem>-<pid>-<random>.jsonl`, what one process added in one run.

    A process only ever writes a file of its own, whole (write_atomic), so that several writers at
    once (a run's workers, two runs) and a killed run leave each file complete or absent. A reader
    merges them all: every entry is checksummed on its own and a key names its content, so it does
    not matter which copy of an entry is read. Compacting writes the compacted file, then removes
    the shards it read (not those written since): a run killed in between leaves duplicates only."""

    MAX_FILES = 8  # more shards than this (one per edit run, say): compact them

    def __init__(self, folder: Path, stem: str, header: str) -> None:
        self.folder, self.stem = folder, stem
        self.entries = EntryFile(folder / f"{stem}.jsonl", header, read=False)
        self.files: list[Path] = []  # what was read: what compacting replaces
        self.copies: dict[str, list[Line]] = {}  # other copies of an entry, should the first be damaged
        self.leftovers: list[Path] = []  # temporary files of writers that were killed
        try:
            names = os.listdir(folder)
        except OSError:
            names = []
        raw = self.entries.raw
        main = self.entries.path.name
        for name in sorted(names, key=lambda name: name != main):  # the compacted file first
            if name == main or (name.startswith(f"{stem}-") and name.endswith(".jsonl")):
                part = EntryFile(folder / name, header)
                for key, line in part.raw.items():
                    if key in raw and raw[key] != line:
                        self.copies.setdefault(key, []).append(line)
                    else:
                        raw[key] = line
                self.files.append(part.path)
            elif name.startswith(f".{stem}"):
                self.leftovers.append(folder / name)

    def __contains__(self, key: str) -> bool:
        return key in self.entries.raw

    def release(self) -> None:
        """Forget every entry read (their files' bytes are freed): for a run that will neither
        read nor compact any more."""
        self.entries.release()
        self.copies = {}

    def get(self, key: str, codec: EntryCodec, canon: Optional[Canon] = None) -> Optional[Any]:
        found = self.entries.get(key, codec, canon)
        for line in self.copies.pop(key, ()):
            if found is not None:
                break
            self.entries.raw[key] = line  # compacting keeps the copy that was good
            found = self.entries.get(key, codec, canon)
        return found

    def needs_compacting(self, keep: set[str], shards: int) -> bool:
        """Whether, after `shards` more shards, the files are too many or hold too much that `keep`
        does not (the old entries of edited files)."""
        stale = sum(1 for key in self.entries.raw if key not in keep)
        return len(self.files) + shards > self.MAX_FILES or stale > max(32, len(self.entries.raw) // 4)

    def add_shard(self, entries: Iterable[tuple[str, bytes]]) -> None:
        """Write entries (key, body) as a new shard, each as it comes (a writer encoding a large
        project's summaries holds one at a time), none if there is none; a read-only folder only
        costs speed."""
        header = self.entries.header
        path = self.folder / f"{self.stem}-{os.getpid()}-{os.urandom(4).hex()}.jsonl"

        def lines() -> Iterator[bytes]:
            yield header + b"\n"
            for key, body in entries:
                if not key or any(c in key for c in " \n") or b"\n" in body:
                    raise CodecError(f"cannot store key {key[:40]!r}")
                yield b"".join((key.encode("ascii"), b" ", _mac(key, body).encode("ascii"), b" ", body, b"\n"))
        try:
            write_atomic(path, lines(), skip_empty=True)
        except OSError:
            pass

    def compact(self, keep: set[str]) -> None:
        """Keep only the entries read that `keep` names, in one file, and remove the shards read."""
        kept = {key: line for key, line in self.entries.raw.items() if key in keep}
        try:
            write_atomic(self.entries.path, self.entries.content(kept))
            for path in self.files:
                if path != self.entries.path:
                    path.unlink(missing_ok=True)
            for path in self.leftovers:
                if time.time() - path.stat().st_mtime > LEFTOVER_SECONDS:  # not a writer still at work
                    path.unlink(missing_ok=True)
        except OSError:
            pass


def write_atomic(path: Path, data: Union[bytes, Iterable[bytes]], skip_empty: bool = False) -> None:
    """Write a file of a cache folder (`data` whole or in pieces), creating the folder with a
    `.gitignore` of `*` as ruff does. With `skip_empty`, pieces that are only the first one (a
    header) leave no file."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text(GITIGNORE, encoding="utf-8")
    fd, tmp = temporary_file(folder, f".{path.name}-")
    try:
        with os.fdopen(fd, "wb") as handle:
            pieces = 0
            for piece in [data] if isinstance(data, bytes) else data:
                handle.write(piece)
                pieces += 1
        if skip_empty and pieces < 2:
            os.unlink(tmp)
            return
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise

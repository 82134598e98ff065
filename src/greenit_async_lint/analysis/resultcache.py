"""Whole-run result cache: when no file, setting or rule changed, the previous findings stand.

Keyed by the files' names and content hashes (every file is read and hashed: a few milliseconds
for a thousand files, and an edit that keeps size and modification time is still seen), the
configuration, the catalogue, the tool version and the engine's code. A hit skips parsing and the whole
cross-module analysis. The entry is JSON with a keyed checksum (safestore.py): a result planted in
the repository neither runs code nor passes for a clean run, and a damaged one is a miss.

The entry also records its "shape" (the same key without the files' contents) and each file's
summary key, so that a miss can tell which files changed since (cutoff.py).
"""
from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Any, NamedTuple, Optional

from .. import __version__
from . import ir
from .discovery import SourceFile
from .filekeys import entry_key
from .ir import SUMMARY_FORMAT
from .readfile import Unreadable, read_bytes
from .safestore import Codec, CodecError, EntryFile, classes_in

_FILE = "result.jsonl"
# The records a result holds, from the modules that define them: not reach.py, which would import
# the whole analysis into a run that the cache answers.
_CODEC: list[Codec] = []  # made on first use (codec()): a first run, with no result to read, reads no codec


def codec() -> Codec:
    """The result entries' codec: its records' modules are imported only when an entry is read or
    written, not before a first run's workers start (most of them are the analysis's own)."""
    if not _CODEC:
        from . import effects, findings, handlers, project, values
        _CODEC.append(Codec(classes_in(ir, handlers, effects, project, values, findings)))
    return _CODEC[0]


def header() -> str:
    return f"greenit-async-lint result v1 codec {codec().fingerprint}"  # another codec's entries are a miss


# The engine's own code: a checkout whose analysis or catalogue code changed (a developer's edit,
# a reinstall) must not reuse results computed by the old code under the same version number.
ENGINE_FOLDERS = (Path(__file__).parent, Path(__file__).parent.parent / "catalogue")
_engine_memo: dict[tuple[Path, ...], str] = {}


def engine_fingerprint() -> str:
    """Names, sizes and modification times of the engine's modules (a few dozen stat calls, once)."""
    folders = tuple(ENGINE_FOLDERS)
    if folders not in _engine_memo:
        stats: list[str] = []
        for folder in folders:
            found: list[str] = []
            _module_stats(str(folder), "", found)
            stats.extend(sorted(found))
        _engine_memo[folders] = hashlib.sha256("\n".join(stats).encode()).hexdigest()
    return _engine_memo[folders]


def _module_stats(folder: str, prefix: str, out: list[str]) -> None:
    """`relative/path.py:size:mtime` of every module below `folder` (os.scandir: no Path per file)."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                _module_stats(entry.path, f"{prefix}{entry.name}/", out)
            elif entry.name.endswith(".py"):
                info = entry.stat()
                out.append(f"{prefix}{entry.name}:{info.st_size}:{info.st_mtime_ns}")


class Key(NamedTuple):
    whole: str  # the settings and every file's name and content: an equal key, an equal result
    shape: str  # the settings and the files' names alone
    files: tuple[str, ...]  # each file's summary key (filekeys.entry_key); "" for one over the size limit


def fingerprint(files: list[SourceFile], settings: Any, max_bytes: int,
                read: Optional[dict[Path, tuple[bytes, str]]] = None) -> Optional[Key]:
    """The result's key; `read` gets each file's bytes and entry key, which the summaries are then
    made from (loader.load): one reading of each file, and the result stored under what was read."""
    head = f"{__version__}\0{SUMMARY_FORMAT}\0{engine_fingerprint()}\0{settings!r}".encode()
    digest, shape = hashlib.sha256(head), hashlib.sha256(head)
    keys: list[str] = []
    for src in files:
        try:
            data = read_bytes(src.path, max_bytes)
            content = entry_key(data, src)
            keys.append(content)
            if read is not None:
                read[src.path] = (data, content)
        except Unreadable:
            size = _oversized(src.path, max_bytes)
            if size is None:
                return None  # missing or unreadable files are reported afresh each run
            content = f"over the limit: {size}"  # reported as GAL903 from its size alone
            keys.append("")
        digest.update(f"{src.display}\0{src.module}\0{content}\n".encode())
        shape.update(f"{src.display}\0{src.module}\0{src.is_package:d}\n".encode())
    return Key(digest.hexdigest(), shape.hexdigest(), tuple(keys))


def _oversized(path: Path, max_bytes: int) -> Optional[int]:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes else None


def load(folder: Path, key: Optional[Key]) -> Optional[Any]:
    """The result stored under exactly this key: (handlers, findings, verdicts, registrations)."""
    if key is None or not (folder / _FILE).exists():
        return None
    stored = EntryFile(folder / _FILE, header()).get(key.whole, codec())
    return _result(stored)


def previous(folder: Path, key: Optional[Key]) -> Optional[tuple[Any, tuple[str, ...]]]:
    """The result held (whatever its key) and its files' summary keys, when it was made with
    the same settings for the same files: only their contents may differ (cutoff.py)."""
    if key is None or not (folder / _FILE).exists():
        return None
    store = EntryFile(folder / _FILE, header())
    if len(store.raw) != 1:
        return None
    stored: Any = store.get(next(iter(store.raw)), codec())
    result = _result(stored)
    if result is None or stored[4] != key.shape or len(stored[5]) != len(key.files):
        return None
    return result, stored[5]


def _result(stored: Any) -> Optional[Any]:
    # (handlers, findings, verdicts, registrations, shape, files); another shape (an entry from
    # an older version) is a miss.
    if type(stored) is not tuple or len(stored) != 6 or type(stored[5]) is not tuple:
        return None
    return stored[:4]


def save(folder: Path, key: Optional[Key], result: Any) -> None:
    if key is None:
        return
    store = EntryFile(folder / _FILE, header(), read=False)  # one entry: the previous one is replaced
    try:
        store.put(key.whole, codec().encode((*result, key.shape, key.files)))
    except CodecError:
        return  # a value the codec does not know: this run is not cached
    store.save()

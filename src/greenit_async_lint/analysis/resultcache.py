"""Whole-run result cache: when no file, setting or rule changed, the previous findings stand.

Keyed by the files' names and content hashes (every file is read and hashed: a few milliseconds
for a thousand files, and an edit that keeps size and modification time is still seen), the
configuration, the catalogue, the tool version and the engine's code. A hit skips parsing and the whole
cross-module analysis. The entry is JSON with a keyed checksum (safestore.py): a result planted in
the repository neither runs code nor passes for a clean run, and a damaged one is a miss.
"""
from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Any, Optional

from .. import __version__
from . import effects, findings, handlers, ir, project, values
from .discovery import SourceFile
from .ir import SUMMARY_FORMAT
from .readfile import Unreadable, read_bytes
from .safestore import Codec, CodecError, EntryFile, classes_in

_FILE = "result.jsonl"
# The records a result holds, from the modules that define them: not reach.py, which would import
# the whole analysis into a run that the cache answers.
CODEC = Codec(classes_in(ir, handlers, effects, project, values, findings))
HEADER = f"greenit-async-lint result v1 codec {CODEC.fingerprint}"  # another codec's entries are a miss


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


def fingerprint(files: list[SourceFile], settings: Any, max_bytes: int) -> Optional[str]:
    digest = hashlib.sha256(f"{__version__}\0{SUMMARY_FORMAT}\0{engine_fingerprint()}\0{settings!r}".encode())
    for src in files:
        try:
            content = hashlib.sha256(read_bytes(src.path, max_bytes)).hexdigest()
        except Unreadable:
            size = _oversized(src.path, max_bytes)
            if size is None:
                return None  # missing or unreadable files are reported afresh each run
            content = f"over the limit: {size}"  # reported as GAL903 from its size alone
        digest.update(f"{src.display}\0{src.module}\0{content}\n".encode())
    return digest.hexdigest()


def _oversized(path: Path, max_bytes: int) -> Optional[int]:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes else None


def load(folder: Path, key: Optional[str]) -> Optional[Any]:
    if key is None:
        return None
    return EntryFile(folder / _FILE, HEADER).get(key, CODEC)


def save(folder: Path, key: Optional[str], result: Any) -> None:
    if key is None:
        return
    store = EntryFile(folder / _FILE, HEADER, read=False)  # one entry: the previous one is replaced
    try:
        store.put(key, CODEC.encode(result))
    except CodecError:
        return  # a value the codec does not know: this run is not cached
    store.save()

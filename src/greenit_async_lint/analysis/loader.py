"""Read and summarise the project's files, in parallel, through an on-disk cache.

A summary depends only on the file's bytes, so the cache is keyed by their content hash: every
file is read and hashed on every run (a few milliseconds for a thousand files), so an edit that
keeps a file's size and modification time is never missed. Cross-module facts are recomputed from
the summaries on every run, so a change in one module never leaves another's entry stale. The
cache is JSON in checksummed entries (safestore.py): a file planted in the checked repository
can never run code, and a damaged one is a miss.
"""
from __future__ import annotations

import ast
import gc
import hashlib
import os
import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Optional

from . import ir
from .discovery import SourceFile
from .ir import SUMMARY_FORMAT, FileProblem
from .readfile import Unreadable, read_bytes
from .safestore import Codec, CodecError, EntryFile, classes_in
from .summarize import summarize

_PARALLEL_MIN_FILES = 48  # below this, starting worker processes costs more than it saves
CODEC = Codec(classes_in(ir))
# The codec's fingerprint names the record classes and their fields: entries written by another
# shape of ir.py (SUMMARY_FORMAT not bumped) are a miss, never a misread.
HEADER = f"greenit-async-lint summaries v{SUMMARY_FORMAT} codec {CODEC.fingerprint}"


class SummaryCache:
    """Summaries on disk by content hash, each a JSON entry decoded only when its file is still
    there; saving after an edit writes the other entries back as they were read."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.store = EntryFile(folder / f"summaries-v{SUMMARY_FORMAT}.jsonl", HEADER)
        self.dirty = False

    def __contains__(self, sha: str) -> bool:
        return sha in self.store

    def by_content(self, sha: str) -> Optional[object]:
        return self.store.get(sha, CODEC)

    def put(self, sha: str, body: Optional[bytes]) -> None:
        if body is not None:
            self.store.put(sha, body)
            self.dirty = True

    def save(self, keep: set[str]) -> None:
        stale = [sha for sha in self.store.raw if sha not in keep]
        if not self.dirty and not stale:
            return
        self.store.drop(stale)
        self.store.save()


def _encode(summary: object) -> Optional[bytes]:
    try:
        return CODEC.encode(summary)
    except CodecError:
        return None  # a value the codec does not know: that file is summarised again next time


def _summarize_job(job: tuple[bytes, str, str, bool, bool]) -> tuple[object, Optional[bytes]]:
    """Summarise one file, and encode it for the cache in the worker (when there is a cache)."""
    summary = summarize(*job[:4])
    return summary, (_encode(summary) if job[4] else None)


def _worker_init() -> None:
    gc.disable()  # as in the parent: summaries are acyclic, collection passes are pure cost


def _list_error(folder: Path) -> str:
    try:
        os.listdir(folder)
    except OSError as exc:
        return exc.strerror or str(exc)
    return "it changed while it was read"


def _same_file(summary: object, src: SourceFile) -> bool:
    # The module name also depends on the folders' __init__.py files, not only on the bytes.
    return getattr(summary, "path", None) == src.display and getattr(summary, "name", src.module) == src.module


def load(files: list[SourceFile], cache: Optional[SummaryCache], max_bytes: int, jobs: int,
         trees: Optional[dict[Path, ast.Module]] = None) -> list[object]:
    """Summaries (ir.Module) or problems (ir.FileProblem), one per file, in the given order.

    `trees` maps absolute paths to trees already parsed by the caller (flake8's): those files are
    summarised from that tree and bypass the cache both ways, because the tree may be an editor's
    unsaved buffer that does not match the bytes on disk."""
    results: list[object] = [None] * len(files)
    pending: list[tuple[int, str, tuple[bytes, str, str, bool, bool]]] = []
    used: set[str] = set()
    for i, src in enumerate(files):
        try:
            info = os.stat(src.path)
        except FileNotFoundError:
            reason = "is a broken symbolic link" if os.path.islink(src.path) else "does not exist"
            results[i] = FileProblem(src.display, "GAL904", reason)
            continue
        except OSError as exc:
            results[i] = FileProblem(src.display, "GAL904", f"cannot be read: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(info.st_mode):  # a folder discovery could not list
            results[i] = FileProblem(src.display, "GAL904", f"is a folder that cannot be listed: {_list_error(src.path)}")
            continue
        if not stat.S_ISREG(info.st_mode):
            results[i] = FileProblem(src.display, "GAL904", "is not a regular file")
            continue
        if info.st_size > max_bytes:
            results[i] = FileProblem(src.display, "GAL903", f"is {info.st_size} bytes, over the {max_bytes}-byte limit")
            continue
        try:
            data = read_bytes(src.path, max_bytes)
        except Unreadable as exc:
            reason = str(exc).removeprefix(f"{src.path}: ")
            results[i] = FileProblem(src.display, "GAL904", f"cannot be read: {reason}")
            continue
        tree = trees.get(src.path) if trees else None
        if tree is not None:
            results[i] = summarize(data, src.display, src.module, src.is_package, tree)
            continue
        sha = hashlib.sha256(data).hexdigest()
        if cache is not None and sha in cache:
            summary = cache.by_content(sha)
            if summary is not None and _same_file(summary, src):
                results[i] = summary
                used.add(sha)
                continue
        pending.append((i, sha, (data, src.display, src.module, src.is_package, cache is not None)))

    if len(pending) >= _PARALLEL_MIN_FILES and jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init) as pool:
            done = list(pool.map(_summarize_job, [p[2] for p in pending], chunksize=16))
    else:
        done = [_summarize_job(p[2]) for p in pending]
    for (i, sha, _job), (summary, body) in zip(pending, done):
        results[i] = summary
        if cache is not None and body is not None:
            cache.put(sha, body)
            used.add(sha)
    if cache is not None:
        cache.save(used)
    return results

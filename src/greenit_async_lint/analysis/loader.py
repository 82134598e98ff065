"""Read and summarise the project's files, in parallel, through an on-disk cache.

A summary depends only on the file's bytes, so the cache is keyed by content hash (with size and
mtime as a shortcut that avoids reading unchanged files). Cross-module facts are recomputed from
the summaries on every run, so a change in one module never leaves another's entry stale.
"""
from __future__ import annotations

import ast
import gc
import hashlib
import os
import pickle
import stat
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Optional

from .discovery import SourceFile
from .ir import SUMMARY_FORMAT, FileProblem
from .summarize import summarize

_PARALLEL_MIN_FILES = 48  # below this, starting worker processes costs more than it saves


class SummaryCache:
    """Summaries on disk, each kept as its own pickled blob: loading the cache costs one read,
    a summary is unpickled only for a file that is still there, and saving after an edit writes
    the blobs back as bytes instead of pickling every summary again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.file = folder / f"summaries-v{SUMMARY_FORMAT}.pickle"
        self.entries: dict[str, tuple[int, int, str, bytes]] = {}
        self.by_hash: dict[str, bytes] = {}
        self.dirty = False
        try:
            with open(self.file, "rb") as handle:
                data = pickle.load(handle)
            if isinstance(data, dict):
                self.entries = data
                self.by_hash = {sha: blob for (_s, _m, sha, blob) in data.values()}
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            self.entries = {}  # a missing or unreadable cache is rebuilt, never an error

    @staticmethod
    def _load(blob: bytes) -> Optional[object]:
        try:
            return pickle.loads(blob)
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            return None

    def quick(self, key: str, size: int, mtime: int) -> Optional[object]:
        entry = self.entries.get(key)
        if entry is not None and entry[0] == size and entry[1] == mtime:
            return self._load(entry[3])
        return None

    def by_content(self, sha: str) -> Optional[object]:
        blob = self.by_hash.get(sha)
        return None if blob is None else self._load(blob)

    def put(self, key: str, size: int, mtime: int, sha: str, blob: bytes) -> None:
        self.entries[key] = (size, mtime, sha, blob)
        self.by_hash[sha] = blob
        self.dirty = True

    def save(self, keep: set[str]) -> None:
        stale = set(self.entries) - keep
        if not self.dirty and not stale:
            return
        for key in stale:
            del self.entries[key]
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by greenit-async-lint: its cache is not for version control.\n*\n")
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".summaries-")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(self.entries, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.file)
        except OSError:
            pass  # a read-only checkout still gets its report, only slower next time


def _summarize_job(job: tuple[bytes, str, str, bool]) -> bytes:
    """Summarise one file; the result travels (and is cached) pickled once, in the worker."""
    return pickle.dumps(summarize(*job), protocol=pickle.HIGHEST_PROTOCOL)


def _worker_init() -> None:
    gc.disable()  # as in the parent: summaries are acyclic, collection passes are pure cost


def load(files: list[SourceFile], cache: Optional[SummaryCache], max_bytes: int, jobs: int,
         trees: Optional[dict[Path, ast.Module]] = None) -> list[object]:
    """Summaries (ir.Module) or problems (ir.FileProblem), one per file, in the given order.

    `trees` maps absolute paths to trees already parsed by the caller (flake8's): those files are
    summarised from that tree and bypass the cache both ways, because the tree may be an editor's
    unsaved buffer that does not match the bytes on disk."""
    results: list[object] = [None] * len(files)
    pending: list[tuple[int, str, int, int, str, tuple[bytes, str, str, bool]]] = []
    for i, src in enumerate(files):
        key = str(src.path)
        try:
            info = os.stat(src.path)
        except FileNotFoundError:
            reason = "is a broken symbolic link" if os.path.islink(src.path) else "does not exist"
            results[i] = FileProblem(src.display, "GAL904", reason)
            continue
        except OSError as exc:
            results[i] = FileProblem(src.display, "GAL904", f"cannot be read: {exc.strerror or exc}")
            continue
        if not stat.S_ISREG(info.st_mode):
            results[i] = FileProblem(src.display, "GAL904", "is not a regular file")
            continue
        if info.st_size > max_bytes:
            results[i] = FileProblem(src.display, "GAL903", f"is {info.st_size} bytes, over the {max_bytes}-byte limit")
            continue
        tree = trees.get(src.path) if trees else None
        if cache is not None and tree is None:
            hit = cache.quick(key, info.st_size, info.st_mtime_ns)
            # The module name also depends on the folders' __init__.py files, not only on the bytes.
            if hit is not None and getattr(hit, "path", None) == src.display \
                    and getattr(hit, "name", src.module) == src.module:
                results[i] = hit
                continue
        try:
            data = src.path.read_bytes()
        except OSError as exc:
            results[i] = FileProblem(src.display, "GAL904", f"cannot be read: {exc.strerror or exc}")
            continue
        if tree is not None:
            results[i] = summarize(data, src.display, src.module, src.is_package, tree)
            continue
        sha = hashlib.sha256(data).hexdigest()
        if cache is not None and sha in cache.by_hash:
            summary = cache.by_content(sha)
            if getattr(summary, "path", None) == src.display and getattr(summary, "name", src.module) == src.module:
                results[i] = summary
                cache.put(key, info.st_size, info.st_mtime_ns, sha, cache.by_hash[sha])
                continue
        pending.append((i, key, info.st_size, info.st_mtime_ns, sha, (data, src.display, src.module, src.is_package)))

    if len(pending) >= _PARALLEL_MIN_FILES and jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init) as pool:
            blobs = list(pool.map(_summarize_job, [p[5] for p in pending], chunksize=16))
        summaries = [pickle.loads(blob) for blob in blobs]
    elif cache is not None:
        summaries = [summarize(*p[5]) for p in pending]
        blobs = [pickle.dumps(s, protocol=pickle.HIGHEST_PROTOCOL) for s in summaries]
    else:  # nothing to store: no need to pickle
        summaries = [summarize(*p[5]) for p in pending]
        blobs = []
    for n, ((i, key, size, mtime, sha, _job), summary) in enumerate(zip(pending, summaries)):
        results[i] = summary
        if cache is not None:
            cache.put(key, size, mtime, sha, blobs[n])
    if cache is not None:
        cache.save({str(f.path) for f in files})
    return results

"""Read and summarise the project's files, in parallel, through an on-disk cache.

A summary depends on the file's bytes and on where it is (its path, module name, package or
not), so the cache is keyed by a hash of those (`entry_key`): every file is read and hashed on
every run (a few milliseconds for a thousand files), so an edit that keeps a file's size and
modification time is never missed. Cross-module facts are recomputed from
the summaries on every run, so a change in one module never leaves another's entry stale. The
entries are checksummed with the user's private key (safestore.py) and decoded only once they
verify: restricted pickles (safepickle.py: an entry planted in the checked repository never
verifies, and could name no code if it did), or JSON where no private key could be made. A
damaged entry is a miss. What is not in the cache is summarised by this process and forked
workers, which write it to the cache while the analysis runs (workers.py).
"""
from __future__ import annotations

import ast
import os
import stat
from pathlib import Path
from typing import Optional, Union

from . import ir, workers
from .discovery import SourceFile
from .filekeys import entry_key
from .ir import SUMMARY_FORMAT, FileProblem
from .readfile import Unreadable, read_bytes
from .safestore import Canon, Codec, CodecError, EntryCodec, EntryShards, PickleCodec, classes_in, has_private_key
from .summarize import summarize

_PARALLEL_MIN_FILES = 48  # below this, starting worker processes costs more than it saves
# From this many files on, decoded summaries share their equal values (safecodec.Canon): on 2,000
# generated files that halves them (365 -> 148 MB), but it costs about 0.6 us a record (netbox's
# 1,212 files: 1.2 -> 2.1 s to decode), which a smaller project, whose summaries weigh a few
# hundred megabytes at most, would pay on every edit for memory it does not need.
CANON_MIN_FILES = 2000
finish = workers.finish  # the engine calls it when a check ends: no writer outlives its run
CODEC = PickleCodec(classes_in(ir))  # under the user's private key, below CANON_MIN_FILES (safepickle.py)
JSON_CODEC = Codec(classes_in(ir))  # under the public fallback key (no pickle), or from CANON_MIN_FILES on


def header(codec: EntryCodec) -> str:
    """The cache files' first line. The codec's fingerprint names its encoding, the record classes
    and their fields: entries written by another shape of ir.py (SUMMARY_FORMAT not bumped), or
    with the other codec, are a miss, never a misread."""
    return f"greenit-async-lint summaries v{SUMMARY_FORMAT} codec {codec.fingerprint}"


HEADER = header(CODEC)


class SummaryCache:
    """Summaries on disk by entry_key (safestore.EntryShards: each writer adds a shard of its
    own), each entry decoded only when its file is still there."""

    def __init__(self, folder: Path, files: int = 0) -> None:
        """`files`: how many the project has. From CANON_MIN_FILES on, summaries are JSON, whose
        decoding shares equal values across files (memory); below, restricted pickles (speed)."""
        workers.finish()  # an earlier in-process run's writers: their shards belong to this run's cache
        # The key is read once, before any fork: every writer inherits it, and the codec it allows.
        self.codec: EntryCodec = CODEC if has_private_key() and files < CANON_MIN_FILES else JSON_CODEC
        self.shares_values = self.codec is JSON_CODEC  # its decoding can share equal values (safecodec.Canon)
        self.folder = folder
        self.store = EntryShards(folder, f"summaries-v{SUMMARY_FORMAT}", header(self.codec))

    def __contains__(self, sha: str) -> bool:
        return sha in self.store

    def by_content(self, sha: str, canon: Optional[Canon] = None) -> Optional[object]:
        return self.store.get(sha, self.codec, canon)

    def add(self, entries: list[tuple[str, object]]) -> None:
        """Write these (sha, summary) entries now, as a shard of their own."""
        workers.write(self.store, entries, self.encoder, None)

    def pickles(self) -> Optional[workers.Pickles]:
        """Where entries wrap a pickle, how a worker's summaries reach the cache as they were sent."""
        codec = self.codec
        return workers.Pickles(codec.pickled, codec.from_pickled) if isinstance(codec, PickleCodec) else None

    def encoder(self) -> workers.Encode:
        """An encoder for one writer's summaries, which all stay alive while it writes
        (Codec.batch_encoder)."""
        encode = self.codec.batch_encoder()

        def one(summary: object) -> Optional[bytes]:
            try:
                return encode(summary)
            except CodecError:
                return None  # a value the codec does not know: that file is summarised again next time
        return one


def _unused_encoder() -> workers.Encode:
    raise AssertionError("no summary cache: nothing is encoded")


def _list_error(folder: Path) -> str:
    try:
        os.listdir(folder)
    except OSError as exc:
        return exc.strerror or str(exc)
    return "it changed while it was read"


def _same_file(summary: object, src: SourceFile) -> bool:
    # The module name also depends on the folders' __init__.py files, not only on the bytes.
    return getattr(summary, "path", None) == src.display and getattr(summary, "name", src.module) == src.module


def _bytes(src: SourceFile, max_bytes: int) -> Union[bytes, FileProblem]:
    """The file's bytes, or why it cannot be analysed."""
    try:
        info = os.stat(src.path)
    except FileNotFoundError:
        reason = "is a broken symbolic link" if os.path.islink(src.path) else "does not exist"
        return FileProblem(src.display, "GAL904", reason)
    except OSError as exc:
        return FileProblem(src.display, "GAL904", f"cannot be read: {exc.strerror or exc}")
    if stat.S_ISDIR(info.st_mode):  # a folder discovery could not list
        return FileProblem(src.display, "GAL904", f"is a folder that cannot be listed: {_list_error(src.path)}")
    if not stat.S_ISREG(info.st_mode):
        return FileProblem(src.display, "GAL904", "is not a regular file")
    if info.st_size > max_bytes:
        return FileProblem(src.display, "GAL903", f"is {info.st_size} bytes, over the {max_bytes}-byte limit")
    try:
        return read_bytes(src.path, max_bytes)
    except Unreadable as exc:
        reason = str(exc).removeprefix(f"{src.path}: ")
        return FileProblem(src.display, "GAL904", f"cannot be read: {reason}")


def load(files: list[SourceFile], cache: Optional[SummaryCache], max_bytes: int, jobs: int,
         trees: Optional[dict[Path, ast.Module]] = None,
         read: Optional[dict[Path, tuple[bytes, str]]] = None) -> list[object]:
    """Summaries (ir.Module) or problems (ir.FileProblem), one per file, in the given order.
    `read`: files already read, with their entry keys (see resultcache.fingerprint).

    `trees` maps absolute paths to trees already parsed by the caller (flake8's): those files are
    summarised from that tree and bypass the cache both ways, because the tree may be an editor's
    unsaved buffer that does not match the bytes on disk."""
    results: list[object] = [None] * len(files)
    pending: list[tuple[int, str, workers.Job]] = []
    used: set[str] = set()
    canon = Canon() if cache is not None and cache.shares_values and len(files) >= CANON_MIN_FILES else None
    for i, src in enumerate(files):
        # The bytes the result cache's key was made of (resultcache.fingerprint), read once: the
        # summaries are then those of the very content the result is stored under.
        known = read.get(src.path) if read else None
        if known is not None:
            data, sha = known
        else:
            got = _bytes(src, max_bytes)
            if isinstance(got, FileProblem):
                results[i] = got
                continue
            data, sha = got, ""
        tree = trees.get(src.path) if trees else None
        if tree is not None:
            results[i] = summarize(data, src.display, src.module, src.is_package, tree)
            continue
        sha = sha or entry_key(data, src)
        if cache is not None and sha in cache:
            summary = cache.by_content(sha, canon)
            if summary is not None and _same_file(summary, src):
                results[i] = summary
                used.add(sha)
                continue
            if summary is not None:  # not the file it names (a key collision, a forged entry): that entry stays
                used.add(sha)
                sha = ""
        pending.append((i, sha, (data, src.display, src.module, src.is_package)))

    store, encoder = (cache.store, cache.encoder) if cache is not None else (None, _unused_encoder)
    # Compacting keeps what this run read and used; what it summarises goes to new shards.
    keep = set(used) if store is not None and store.needs_compacting(used | {p[1] for p in pending}, jobs) else None
    if store is not None and keep is None:
        store.release()  # the entries read (335 MB on 10,000 generated files) are not needed again
    del canon  # its memo: the summaries keep what they share
    jobs_in = [p[2] for p in pending]
    shas = [p[1] for p in pending]
    if len(pending) >= _PARALLEL_MIN_FILES and jobs > 1 and workers.can_fork():
        done = workers.summarise_all(jobs_in, shas, jobs - 1, summarize, store, encoder, keep,
                                     cache.pickles() if cache is not None else None)
    else:
        done = [summarize(*job) for job in jobs_in]
        if store is not None:
            workers.write(store, list(zip(shas, done)), encoder, keep)
    for (i, _sha, _job), summary in zip(pending, done):
        results[i] = summary
    return results

"""Summarise files in the parent and in forked workers, and write the cache off the critical path.

The files are shared out as fanout.py shares any list: the parent and the workers claim chunks
of them from one pipe of claims, and the workers send each chunk's summaries back as soon as they are
made. Once a worker has sent its last one, it encodes its own share for the cache and writes it
as a shard of its own (safestore.EntryShards), at a lower priority, while the parent goes on to
the whole-project analysis. The parent's share is encoded and written the same way by a process
forked once the summaries are all in (it inherits them: nothing is copied). `finish` joins them
all: the engine calls it when a check ends, so no run leaves writers behind.

Where fork is missing (Windows) everything is done in the parent, as with `--jobs 1`.
"""
from __future__ import annotations

import os
from contextvars import ContextVar
from typing import Any, Callable, Optional, Sequence

from . import fanout
from .fanout import can_fork, fan_out, finish
from .safestore import EntryShards

CHUNK = 8  # files per claim: a worker's last chunk is all the imbalance at the end
WRITER_NICENESS = 3  # writers yield some of the core to the analysis, which the check waits for (a larger
# value starves them on a busy machine, and the check then waits for them at its end)
Job = tuple[bytes, str, str, bool]
Summarize = Callable[..., Any]
Encode = Callable[[Any], Optional[bytes]]
Encoder = Callable[[], Encode]  # makes the encoder of one shard's summaries (loader.SummaryCache.encoder)
# The parent's own work before it takes files (the fix layer's imports, fix/preload.py): the
# workers claim the first chunks meanwhile. Run in the parent's thread, so no later fork meets it.
BEFORE_SHARE: ContextVar[Optional[Callable[[], None]]] = ContextVar("before_share", default=None)
# The caller's work to start once the analysis is known to run (the result cache missed), before
# the summaries are loaded: the fix layer forks its planner then (fix/fixer.py).
ON_ANALYSIS: ContextVar[Optional[Callable[[], None]]] = ContextVar("on_analysis", default=None)


def summarise_all(jobs: Sequence[Job], shas: Sequence[str], workers: int, summarize: Summarize,
                  store: Optional[EntryShards], encoder: Encoder, keep: Optional[set[str]]) -> list[Any]:
    """Summaries of `jobs`, in order, made by the parent and `workers` forked processes
    (fanout.py). With a `store`, each summary is written to it under its sha (none when the sha
    is empty); `keep`, when given, asks the parent's writer to compact the store to those keys
    once its shard is written."""
    def one(i: int) -> Any:
        return summarize(*jobs[i])

    def write_share(done: list[tuple[int, Any]]) -> None:  # in a worker, after its last chunk
        if store is not None:
            _write(store, [(shas[i], summary) for i, summary in done], encoder, None)

    results, mine = fan_out(len(jobs), one, workers, CHUNK, BEFORE_SHARE.get(), write_share)
    if store is not None and (mine or keep is not None):
        fanout.start(_write, store, [(shas[i], results[i]) for i in mine], encoder, keep)
    return results


def write(store: EntryShards, entries: list[tuple[str, Any]], encoder: Encoder, keep: Optional[set[str]]) -> None:
    """Encode and write `entries` (sha, summary) as a shard, then compact to `keep` if given.
    Each is encoded as the shard is written: a writer holds one encoded summary at a time."""
    encode = encoder()
    store.add_shard((sha, body) for sha, summary in entries if sha and (body := encode(summary)) is not None)
    if keep is not None:
        store.compact(keep)


def _write(store: EntryShards, entries: list[tuple[str, Any]], encoder: Encoder, keep: Optional[set[str]]) -> None:
    try:
        os.nice(WRITER_NICENESS)
    except OSError:
        pass
    write(store, entries, encoder, keep)


__all__ = ["can_fork", "finish", "summarise_all", "write"]

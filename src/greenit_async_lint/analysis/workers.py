"""Summarise files in the parent and in forked workers, and write the cache off the critical path.

The files are shared out as fanout.py shares any list: the parent and the workers claim chunks
of them from one pipe of claims, and the workers send each chunk's summaries back as soon as
they are made. Once a worker has sent its last one, it writes its own share to the cache (from
the pickles it sent, where the cache's entries are pickles: `Pickles`) as a shard of its own
(safestore.EntryShards), at a lower priority, while the parent goes on to the whole-project
analysis. The parent's share is encoded and written the same way by a process forked once the
summaries are all in (it inherits them: nothing is copied). `finish` joins them all: the engine
calls it when a check ends, so no run leaves writers behind.

Where fork is missing (Windows) everything is done in the parent, as with `--jobs 1`.
"""
from __future__ import annotations

import os
import pickle
from contextvars import ContextVar
from typing import Any, Callable, NamedTuple, Optional, Sequence

from . import fanout
from .fanout import can_fork, fan_out, finish
from .safestore import EntryShards

CHUNK = 8  # files per claim: the last chunk (of the smallest files) is all the imbalance at the end
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


class Pickles(NamedTuple):
    """A cache whose entries wrap a pickle (safepickle.PickleCodec): a worker sends each summary's
    pickle and writes the same bytes to the cache, instead of pickling its share a second time
    for the cache (half of all the pickling of a cold check: indico's is 0.48 s)."""

    dumps: Callable[[Any], bytes]  # the pickle of a summary
    entry: Callable[[bytes], bytes]  # its cache entry, from that pickle


def summarise_all(jobs: Sequence[Job], shas: Sequence[str], workers: int, summarize: Summarize,
                  store: Optional[EntryShards], encoder: Encoder, keep: Optional[set[str]],
                  pickles: Optional[Pickles] = None) -> list[Any]:
    """Summaries of `jobs`, in order, made by the parent and `workers` forked processes
    (fanout.py). With a `store`, each summary is written to it under its sha (none when the sha
    is empty); `keep`, when given, asks the parent's writer to compact the store to those keys
    once its shard is written."""
    # Largest files first: the processes end together, on chunks of small files, rather than one
    # waiting for the other's last chunk of large ones (mealie: up to 9 ms of the parent's wait).
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][0]))

    def one(k: int) -> Any:
        return summarize(*jobs[order[k]])

    def write_share(done: list[tuple[int, Any]]) -> None:  # in a worker, after its last chunk
        if store is None:
            return
        _yield_the_core()
        if pickles is not None:  # `done` holds what was sent: each summary's pickle
            store.add_shard((shas[order[k]], pickles.entry(sent)) for k, sent in done if shas[order[k]])
        else:
            write(store, [(shas[order[k]], summary) for k, summary in done], encoder, None)

    # From our own fork, through its pipe: never from disk (fanout.py).
    wire = (pickles.dumps, pickle.loads) if pickles is not None and store is not None else None
    made, mine = fan_out(len(jobs), one, workers, CHUNK, BEFORE_SHARE.get(), write_share, wire)
    results: list[Any] = [None] * len(jobs)
    for k, summary in enumerate(made):
        results[order[k]] = summary
    if store is not None and (mine or keep is not None):
        fanout.start(_write, store, [(shas[order[k]], made[k]) for k in mine], encoder, keep)
    return results


def write(store: EntryShards, entries: list[tuple[str, Any]], encoder: Encoder, keep: Optional[set[str]]) -> None:
    """Encode and write `entries` (sha, summary) as a shard, then compact to `keep` if given.
    Each is encoded as the shard is written: a writer holds one encoded summary at a time."""
    encode = encoder()
    store.add_shard((sha, body) for sha, summary in entries if sha and (body := encode(summary)) is not None)
    if keep is not None:
        store.compact(keep)


def _write(store: EntryShards, entries: list[tuple[str, Any]], encoder: Encoder, keep: Optional[set[str]]) -> None:
    _yield_the_core()
    write(store, entries, encoder, keep)


def _yield_the_core() -> None:
    try:
        os.nice(WRITER_NICENESS)
    except OSError:
        pass


__all__ = ["can_fork", "finish", "summarise_all", "write"]

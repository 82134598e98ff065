"""Summarise files in the parent and in forked workers, and write the cache off the critical path.

The parent is not left idle while workers parse: it takes chunks of files from the same shared
counter as they do (its share needs no pickling at all). A worker sends each chunk's summaries as
soon as they are made, and once it has sent its last one it encodes its own share for the cache
and writes it as a shard of its own (safestore.EntryShards), at a lower priority, while the
parent goes on to the whole-project analysis. The parent's share is encoded and written the same
way by a process forked once the summaries are all in (it inherits them: nothing is copied).
`finish` joins them all: the engine calls it when a check ends, so no run leaves writers behind.

The inputs reach the workers by fork (nothing is pickled on the way in). Where fork is missing
(Windows) everything is done in the parent, as with `--jobs 1`. A worker that dies, or fails on a
file, only stops sending: the parent summarises whatever it did not get, and so raises the same
error itself if there was one.
"""
from __future__ import annotations

import gc
import os
import pickle
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

from .safestore import EntryShards

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

PIPE_BYTES = 1 << 20  # Linux's default limit for a pipe's buffer (/proc/sys/fs/pipe-max-size)
CHUNK = 8  # files per claim: a worker's last chunk is all the imbalance at the end
WRITER_NICENESS = 3  # writers yield some of the core to the analysis, which the check waits for (a larger
# value starves them on a busy machine, and the check then waits for them at its end)
Job = tuple[bytes, str, str, bool]
Summarize = Callable[..., Any]
Encode = Callable[[Any], Optional[bytes]]
Encoder = Callable[[], Encode]  # makes the encoder of one shard's summaries (loader.SummaryCache.encoder)
_WRITERS: list[Any] = []  # processes still encoding and writing: joined by `finish`
# The parent's own work before it takes files (the fix layer's imports, fix/preload.py): the
# workers claim the first chunks meanwhile. Run in the parent's thread, so no later fork meets it.
BEFORE_SHARE: ContextVar[Optional[Callable[[], None]]] = ContextVar("before_share", default=None)
# The caller's work to start once the analysis is known to run (the result cache missed), before
# the summaries are loaded: the fix layer forks its planner then (fix/fixer.py).
ON_ANALYSIS: ContextVar[Optional[Callable[[], None]]] = ContextVar("on_analysis", default=None)


def can_fork() -> bool:
    import multiprocessing  # here: a run answered from the caches starts no process
    return "fork" in multiprocessing.get_all_start_methods()


def summarise_all(jobs: Sequence[Job], shas: Sequence[str], workers: int, summarize: Summarize,
                  store: Optional[EntryShards], encoder: Encoder, keep: Optional[set[str]]) -> list[Any]:
    """Summaries of `jobs`, in order, made by the parent and `workers` forked processes. With a
    `store`, each summary is written to it under its sha (none when the sha is empty); `keep`,
    when given, asks the parent's writer to compact the store to those keys once its shard is
    written."""
    import multiprocessing
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("q", 0)
    pipes: list[Connection] = []
    for _ in range(workers):
        receive, send = ctx.Pipe(duplex=False)
        _widen(send)
        pipes.append(receive)
        process = ctx.Process(target=_worker, args=(jobs, shas, counter, send, pipes, summarize, store, encoder))
        process.start()
        send.close()
        _WRITERS.append(process)
    missing = object()
    results: list[Any] = [missing] * len(jobs)
    mine: list[int] = []
    try:
        early = BEFORE_SHARE.get()
        if early is not None:
            early()
        for start in _claims(counter, len(jobs)):
            for i in range(start, min(start + CHUNK, len(jobs))):
                results[i] = summarize(*jobs[i])
                mine.append(i)
            _receive(pipes, results, 0)
        while pipes:
            _receive(pipes, results, None)
    finally:
        for pipe in pipes:  # an error here (or ^C): a worker blocked on a full pipe must not hang the exit
            pipe.close()
    for i, summary in enumerate(results):
        if summary is missing:  # a worker died or failed on it
            results[i] = summarize(*jobs[i])
            mine.append(i)
    if store is not None and (mine or keep is not None):
        entries = [(shas[i], results[i]) for i in mine]
        writer = ctx.Process(target=_write, args=(store, entries, encoder, keep))
        writer.start()
        _WRITERS.append(writer)
    return results


def write(store: EntryShards, entries: list[tuple[str, Any]], encoder: Encoder, keep: Optional[set[str]]) -> None:
    """Encode and write `entries` (sha, summary) as a shard, then compact to `keep` if given.
    Each is encoded as the shard is written: a writer holds one encoded summary at a time."""
    encode = encoder()
    store.add_shard((sha, body) for sha, summary in entries if sha and (body := encode(summary)) is not None)
    if keep is not None:
        store.compact(keep)


def finish() -> None:
    """Wait for every writer started so far (their shards are then whole, or were never begun)."""
    while _WRITERS:
        _WRITERS.pop().join()


def _widen(pipe: Connection) -> None:
    """A pipe of a megabyte where the system allows it (Linux), not 64 KiB: one chunk of a large
    project's summaries is about 100 KB pickled, and a worker blocks on sending it whenever the
    parent is busy elsewhere (its own chunk, BEFORE_SHARE's imports) instead of summarising on."""
    try:
        import fcntl
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass


def _claims(counter: Any, total: int) -> Any:
    """Starts of the chunks this process takes, until none is left."""
    while True:
        with counter.get_lock():
            start = counter.value
            counter.value = start + CHUNK
        if start >= total:
            return
        yield start


def _receive(pipes: list[Connection], results: list[Any], timeout: Optional[float]) -> None:
    from multiprocessing.connection import Connection, wait
    for pipe in wait(pipes, timeout):
        assert isinstance(pipe, Connection)
        try:
            # From a process this one forked, over its own pipe: never from disk.
            start, part = pickle.loads(pipe.recv_bytes())
        except (EOFError, OSError):  # all sent, or the worker died (mid-message, even)
            pipes.remove(pipe)
            pipe.close()
            continue
        results[start:start + len(part)] = part


def _worker(jobs: Sequence[Job], shas: Sequence[str], counter: Any, pipe: Connection, inherited: list[Connection],
            summarize: Summarize, store: Optional[EntryShards], encoder: Encoder) -> None:
    for other in inherited:  # the parent's ends, this one's own included: once the parent closes
        other.close()  # them, a send fails at once instead of waiting for a reader that never comes
    gc.disable()  # as in the engine: summaries are acyclic, collection passes are pure cost
    done: list[tuple[str, Any]] = []
    try:
        for start in _claims(counter, len(jobs)):
            part = [summarize(*job) for job in jobs[start:start + CHUNK]]
            pipe.send_bytes(pickle.dumps((start, part), pickle.HIGHEST_PROTOCOL))
            done.extend(zip(shas[start:start + CHUNK], part))
    except Exception:  # noqa: BLE001 - the parent summarises what it did not get, and reports it
        pass
    finally:
        pipe.close()
    if store is not None and done:
        _write(store, done, encoder, None)


def _write(store: EntryShards, entries: list[tuple[str, Any]], encoder: Encoder, keep: Optional[set[str]]) -> None:
    try:
        os.nice(WRITER_NICENESS)
    except OSError:
        pass
    write(store, entries, encoder, keep)

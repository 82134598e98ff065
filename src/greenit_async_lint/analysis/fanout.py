"""Share independent computations between this process and forked helpers that claim chunks.

Used twice in a check: for the summaries (workers.py) and for the handlers' reach (engine.py).
The parent is not left idle while helpers work: it takes chunks from the same shared counter as
they do (its share needs no pickling at all), so a slow or busy helper only takes fewer of them.
A helper sends each chunk's results, pickled through its own pipe, as soon as they are made.

The inputs reach the helpers by fork (nothing is pickled on the way in). A helper that dies, or
fails on an item, only stops sending: the parent computes whatever it did not get, and so raises
the same error itself if there was one. Helpers are joined by `finish`, which the engine calls
when a check ends (a helper may go on with work of its own after its last chunk: workers.py's
write the cache).
"""
from __future__ import annotations

import gc
import pickle
from typing import TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

PIPE_BYTES = 1 << 20  # Linux's default limit for a pipe's buffer (/proc/sys/fs/pipe-max-size)
Compute = Callable[[int], Any]  # the result of item i
Then = Callable[[list[tuple[int, Any]]], None]  # a helper's work after its last chunk, on (i, result) it made
_STARTED: list[Any] = []  # helpers not joined yet: joined by `finish`


def can_fork() -> bool:
    import multiprocessing  # here: a run answered from the caches starts no process
    return "fork" in multiprocessing.get_all_start_methods()


def fan_out(count: int, compute: Compute, helpers: int, chunk: int, before: Optional[Callable[[], None]] = None,
            then: Optional[Then] = None) -> tuple[list[Any], list[int]]:
    """[compute(i) for i in range(count)], made by this process and `helpers` forked ones, which
    claim `chunk` items at a time; and the items this process computed itself. `before`: the
    parent's own work before it claims items (the helpers claim the first ones meanwhile)."""
    import multiprocessing
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("q", 0)
    pipes: list[Connection] = []
    for _ in range(helpers):
        receive, send = ctx.Pipe(duplex=False)
        _widen(send)
        pipes.append(receive)
        process = ctx.Process(target=_helper, args=(count, compute, chunk, counter, send, pipes, then))
        try:
            process.start()
        except OSError:  # no fork allowed now (a process limit, no memory): fewer helpers, or none
            pipes.pop().close()
            send.close()
            break
        send.close()
        _STARTED.append(process)
    missing = object()
    results: list[Any] = [missing] * count
    mine: list[int] = []
    try:
        if before is not None:
            before()
        for first in _claims(counter, count, chunk):
            for i in range(first, min(first + chunk, count)):
                results[i] = compute(i)
                mine.append(i)
            _receive(pipes, results, 0)
        while pipes:
            _receive(pipes, results, None)
    finally:
        for pipe in pipes:  # an error here (or ^C): a helper blocked on a full pipe must not hang the exit
            pipe.close()
    for i, result in enumerate(results):
        if result is missing:  # a helper died or failed on it
            results[i] = compute(i)
            mine.append(i)
    return results, mine


def start(target: Callable[..., None], *args: Any) -> None:
    """Run `target(*args)` in a forked process, joined by `finish` (workers.py's cache writers);
    not at all when no process can be forked now: what it would have cached is made again."""
    import multiprocessing
    process = multiprocessing.get_context("fork").Process(target=target, args=args)
    try:
        process.start()
    except OSError:
        return
    _STARTED.append(process)


def finish() -> None:
    """Wait for every helper started so far (their work after their last chunk is then done)."""
    while _STARTED:
        _STARTED.pop().join()


def started() -> list[Any]:
    """The helpers not joined yet (for tests that must see them stop)."""
    return list(_STARTED)


def _widen(pipe: Connection) -> None:
    """A pipe of a megabyte where the system allows it (Linux), not 64 KiB: one chunk of a large
    project's summaries is about 100 KB pickled, and a helper blocks on sending it whenever the
    parent is busy elsewhere (its own chunk, `before`) instead of working on."""
    try:
        import fcntl
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass


def _claims(counter: Any, total: int, chunk: int) -> Any:
    """Starts of the chunks this process takes, until none is left."""
    while True:
        with counter.get_lock():
            first = counter.value
            counter.value = first + chunk
        if first >= total:
            return
        yield first


def _receive(pipes: list[Connection], results: list[Any], timeout: Optional[float]) -> None:
    from multiprocessing.connection import Connection, wait
    for pipe in wait(pipes, timeout):
        assert isinstance(pipe, Connection)
        try:
            # From a process this one forked, over its own pipe: never from disk.
            first, part = pickle.loads(pipe.recv_bytes())
        except (EOFError, OSError):  # all sent, or the helper died (mid-message, even)
            pipes.remove(pipe)
            pipe.close()
            continue
        results[first:first + len(part)] = part


def _helper(count: int, compute: Compute, chunk: int, counter: Any, pipe: Connection, inherited: list[Connection],
            then: Optional[Then]) -> None:
    for other in inherited:  # the parent's ends, this one's own included: once the parent closes
        other.close()  # them, a send fails at once instead of waiting for a reader that never comes
    gc.disable()  # as in the engine: the records are acyclic, collection passes are pure cost
    done: list[tuple[int, Any]] = []
    try:
        for first in _claims(counter, count, chunk):
            part = [compute(i) for i in range(first, min(first + chunk, count))]
            pipe.send_bytes(pickle.dumps((first, part), pickle.HIGHEST_PROTOCOL))
            done.extend(enumerate(part, first))
    except Exception:  # noqa: BLE001 - the parent computes what it did not get, and reports it
        pass
    finally:
        pipe.close()
    if then is not None and done:
        then(done)

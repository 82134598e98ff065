"""Share independent computations between this process and forked helpers that claim chunks.

Used twice in a check: for the summaries (workers.py) and for the handlers' reach (engine.py).
The parent is not left idle while helpers work: it takes chunks from the same claims as they do
(its share needs no pickling at all), so a slow or busy helper only takes fewer of them. With
`stretches`, each process first takes the chunks of a stretch of its own, in order, and only then
those left of the others': neighbouring items may share work that each process memoises for
itself (a module's handlers reach the same services), and a stretch of them made in one process
makes it once. A helper sends each chunk's results, pickled through its own pipe, as soon as they
are made.

The inputs reach the helpers by fork (nothing is pickled on the way in). A helper that dies, or
fails on an item, only stops sending: the parent computes whatever it did not get, and so raises
the same error itself if there was one. Helpers are joined by `finish`, which the engine calls
when a check ends (a helper may go on with work of its own after its last chunk: workers.py's
write the cache).
"""
from __future__ import annotations

import gc
import os
import pickle
import select
from array import array
from typing import Any, Callable, Iterator, Optional

from .forks import Child, can_fork, read_exact, receive, send

PIPE_BYTES = 1 << 20  # Linux's default limit for a pipe's buffer (/proc/sys/fs/pipe-max-size)
Compute = Callable[[int], Any]  # the result of item i
Then = Callable[[list[tuple[int, Any]]], None]  # a helper's work after its last chunk, on (i, result) it made
# How a helper sends each result, when the caller wants the bytes too: (dumps, loads). The helper's
# `then` then gets (i, bytes) (workers.py writes a summary's pickle to the cache as it was sent).
Wire = tuple[Callable[[Any], bytes], Callable[[bytes], Any]]
_STARTED: list[Child] = []  # helpers not joined yet: joined by `finish`
_TOKEN = array("I")  # a claim: the number of a chunk, as the pipe of claims holds it


def fan_out(count: int, compute: Compute, helpers: int, chunk: int, before: Optional[Callable[[], None]] = None,
            then: Optional[Then] = None, wire: Optional[Wire] = None, stretches: bool = False,
            starts: Optional[list[int]] = None) -> tuple[list[Any], list[int]]:
    """[compute(i) for i in range(count)], made by this process and `helpers` forked ones, which
    claim `chunk` items at a time; and the items this process computed itself. `before`: the
    parent's own work before it claims items (the helpers claim the first ones meanwhile).
    `stretches`: each process starts with a stretch of neighbouring items of its own, even ones
    or, with `starts` (a first item for each process, this one's 0), the caller's."""
    claims, chunk = _claims_pipes(count, chunk, helpers + 1 if stretches else 1, starts if stretches else None)
    pipes: list[int] = []
    for number in range(1, helpers + 1):
        receive_end, send_end = os.pipe()
        _widen(send_end)
        mine_first = _from(claims, number)
        helper = Child(lambda: _helper(count, compute, chunk, mine_first, send_end, then, wire), [receive_end, *pipes])
        os.close(send_end)
        if helper.pid is None:  # no fork allowed now (a process limit, no memory): fewer helpers, or none
            os.close(receive_end)
            break
        pipes.append(receive_end)
        _STARTED.append(helper)
    missing = object()
    results: list[Any] = [missing] * count
    mine: list[int] = []
    try:
        if before is not None:
            before()
        for first in _claimed(claims, chunk):
            for i in range(first, min(first + chunk, count)):
                results[i] = compute(i)
                mine.append(i)
            _receive(pipes, results, 0, wire)
        while pipes:
            _receive(pipes, results, None, wire)
    finally:
        for pipe in claims:
            os.close(pipe)
        for pipe in pipes:  # an error here (or ^C): a helper blocked on a full pipe must not hang the exit
            os.close(pipe)
    for i, result in enumerate(results):
        if result is missing:  # a helper died or failed on it
            results[i] = compute(i)
            mine.append(i)
    return results, mine


def start(target: Callable[..., None], *args: Any) -> None:
    """Run `target(*args)` in a forked process, joined by `finish` (workers.py's cache writers);
    not at all when no process can be forked now: what it would have cached is made again."""
    process = Child(lambda: target(*args), [])
    if process.pid is not None:
        _STARTED.append(process)


def finish() -> None:
    """Wait for every helper started so far (their work after their last chunk is then done)."""
    while _STARTED:
        _STARTED.pop().join()


def started() -> list[Child]:
    """The helpers not joined yet (for tests that must see them stop)."""
    return list(_STARTED)


def _claims_pipes(count: int, chunk: int, shares: int, starts: Optional[list[int]] = None) -> tuple[list[int], int]:
    """Pipes holding the numbers of the chunks, one pipe per stretch of them (`shares` stretches:
    one a process, or one for all; even ones, or from each of `starts`), written before any
    process reads them, and the chunk size (larger when a pipe could not hold one number per
    chunk). A process claims a chunk by reading one number: a read of a pipe holds the pipe's lock
    for its whole copy (Linux, the BSDs), so two processes never share a number, and none needs a
    lock of ours."""
    pipes = [os.pipe() for _ in range(shares)]
    room = min(_widen(write) for _read, write in pipes) // _TOKEN.itemsize
    given = starts if starts is not None and len(starts) == shares else None
    chunk = max(chunk, -(-count // (room * (1 if given else shares))))  # (a given stretch may hold them all)
    chunks = -(-count // chunk)
    bounds = ([-(-start // chunk) for start in given] if given
              else [chunks * number // shares for number in range(shares)]) + [chunks]
    for number, (_read, write) in enumerate(pipes):
        tokens = array("I", range(bounds[number], max(bounds[number], bounds[number + 1]))).tobytes()
        view = memoryview(tokens)
        while view:  # within the pipe's room: never blocks
            view = view[os.write(write, view):]
        os.close(write)
    return [read for read, _write in pipes], chunk


def _from(claims: list[int], number: int) -> list[int]:
    """The pipes of claims in the order process `number` reads them: its own stretch first (the
    one pipe all read, without stretches)."""
    return claims[number:] + claims[:number]


def _claimed(claims: list[int], chunk: int) -> Iterator[int]:
    """Starts of the chunks this process takes, until none is left: those of the first pipe,
    then what the other processes have not taken yet of theirs."""
    size = _TOKEN.itemsize
    for pipe in claims:
        while True:
            token = os.read(pipe, size)
            if len(token) < size:
                if not token:
                    break
                token += read_exact(pipe, size - len(token)) or b""  # not seen: see _claims_pipes
            yield array("I", token)[0] * chunk


def _widen(pipe: int) -> int:
    """A pipe of a megabyte where the system allows it (Linux), not 64 KiB: one chunk of a large
    project's summaries is about 100 KB pickled, and a helper blocks on sending it whenever the
    parent is busy elsewhere (its own chunk, `before`) instead of working on. Returns the room
    the pipe surely has (4 KiB where the system does not say: POSIX's least PIPE_BUF is 512)."""
    try:
        import fcntl
    except ImportError:
        return 4096
    for option, value in (("F_SETPIPE_SZ", PIPE_BYTES), ("F_GETPIPE_SZ", 0)):
        try:
            return int(fcntl.fcntl(pipe, getattr(fcntl, option), value))
        except (AttributeError, OSError):
            pass
    return 4096


def _receive(pipes: list[int], results: list[Any], timeout: Optional[float], wire: Optional[Wire]) -> None:
    """Take what the helpers have sent: with `timeout` 0 (between the parent's own chunks) all
    of it, not a message per helper. A helper whose stretch is of smaller items sends faster
    than the parent makes its chunks, and it stops, blocked on a full pipe, when the parent
    takes less than it sends (warehouse's summary worker stood idle a third of the time)."""
    while pipes:
        ready, _, _ = select.select(pipes, [], [], timeout)
        for pipe in ready:
            # From a process this one forked, over its own pipe: never from disk.
            data = receive(pipe)
            if data is None:  # all sent, or the helper died (mid-message, even)
                pipes.remove(pipe)
                os.close(pipe)
                continue
            first, part = pickle.loads(data)
            results[first:first + len(part)] = part if wire is None else [wire[1](sent) for sent in part]
        if not ready or timeout is None:
            return


def _helper(count: int, compute: Compute, chunk: int, claims: list[int], pipe: int, then: Optional[Then],
            wire: Optional[Wire]) -> None:
    gc.disable()  # as in the engine: the records are acyclic, collection passes are pure cost
    done: list[tuple[int, Any]] = []
    try:
        for first in _claimed(claims, chunk):
            part = [compute(i) for i in range(first, min(first + chunk, count))]
            if wire is not None:
                part = [wire[0](result) for result in part]
            send(pipe, pickle.dumps((first, part), pickle.HIGHEST_PROTOCOL))
            done.extend(enumerate(part, first))
    except Exception:  # noqa: BLE001 - the parent computes what it did not get, and reports it
        pass
    finally:
        os.close(pipe)
    if then is not None and done:
        then(done)


__all__ = ["can_fork", "fan_out", "finish", "start", "started"]

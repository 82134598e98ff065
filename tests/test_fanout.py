"""fanout.py: items shared between this process and forked helpers come back whole and in order,
whatever the helpers do (take most of them, fail, die), and a helper's `then` sees what it made."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from greenit_async_lint.analysis import fanout

pytestmark = pytest.mark.skipif(not fanout.can_fork(), reason="the helpers are forked")
PARENT = os.getpid()


def _slow_in_parent(i: int) -> tuple[int, int]:
    """i squared, and who computed it; the parent dawdles so that a helper surely claims some."""
    if os.getpid() == PARENT:
        time.sleep(0.02)
    return i * i, os.getpid()


def test_results_come_back_in_order_and_the_parents_share_is_named() -> None:
    results, mine = fanout.fan_out(40, _slow_in_parent, 2, 1)
    fanout.finish()
    assert [value for value, _pid in results] == [i * i for i in range(40)]
    by_parent = [i for i, (_value, pid) in enumerate(results) if pid == PARENT]
    assert sorted(mine) == by_parent
    assert len(by_parent) < 40, "no helper took any item: the test would prove nothing"


def test_a_helper_that_fails_or_dies_leaves_its_items_to_the_parent() -> None:
    def flaky(i: int) -> int:
        if os.getpid() != PARENT:
            if i % 2:
                raise RuntimeError("a bug met in a helper")
            os._exit(3)  # killed mid-way
        time.sleep(0.005)
        return i + 1

    results, mine = fanout.fan_out(30, flaky, 2, 2)
    fanout.finish()
    assert results == [i + 1 for i in range(30)]
    assert sorted(mine) == list(range(30))  # every item the helpers claimed, the parent made again


def test_an_error_the_parent_meets_is_raised_and_no_helper_is_left_behind() -> None:
    def broken(i: int) -> int:
        if i == 7:
            raise ValueError("item 7 is bad")
        return i

    with pytest.raises(ValueError, match="item 7"):
        fanout.fan_out(20, broken, 1, 1)
    helpers = fanout.started()
    fanout.finish()
    assert all(not process.is_alive() for process in helpers)


def test_then_runs_in_each_helper_on_the_items_it_made(tmp_path: Path) -> None:
    def then(done: list[tuple[int, tuple[int, int]]]) -> None:
        (tmp_path / str(os.getpid())).write_text(" ".join(str(i) for i, _result in done))

    results, mine = fanout.fan_out(30, _slow_in_parent, 1, 1, then=then)
    fanout.finish()
    written = {int(p.name): [int(i) for i in p.read_text().split()] for p in tmp_path.iterdir()}
    helper_items = [i for i, (_value, pid) in enumerate(results) if pid != PARENT]
    assert helper_items, "the helper took nothing"
    assert PARENT not in written  # `then` is a helper's, never the parent's
    assert sorted(i for items in written.values() for i in items) == helper_items == sorted(set(range(30)) - set(mine))


def test_a_helper_that_cannot_be_forked_leaves_everything_to_the_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")  # fork's EAGAIN at a process limit

    monkeypatch.setattr(os, "fork", refused)
    results, mine = fanout.fan_out(12, lambda i: i * 3, 2, 2)
    assert results == [i * 3 for i in range(12)] and sorted(mine) == list(range(12))
    assert fanout.started() == []


def test_a_writer_that_cannot_be_forked_is_skipped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """What it would have cached is made again next run: nothing fails, nothing is left to join."""
    def refused() -> int:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(os, "fork", refused)
    fanout.start((tmp_path / "written").touch)
    assert fanout.started() == [] and not (tmp_path / "written").exists()


def _project(root: Path, modules: int = 52) -> None:
    """A Flask project on Celery big enough for every fork of a check: the summary worker (48
    files), the reach's helper (24 handlers), the fixer and its planning child (6 diffs)."""
    (root / "pyproject.toml").write_text("[project]\nname = 'shop'\ndependencies = ['flask', 'celery']\n")
    package = root / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("from flask import Flask\n\napp = Flask(__name__)\n")
    (package / "tasks.py").write_text("from celery import shared_task\n\n\n@shared_task\ndef ping():\n    return 1\n")
    for n in range(modules):
        work = f"    subprocess.run(['soffice', '--headless', '--convert-to', 'pdf', '/srv/report{n}.docx'])\n"
        (package / f"views{n}.py").write_text(
            "import subprocess\nfrom shop import app\n\n\n"
            f"@app.route('/convert{n}', methods=['POST'])\ndef convert{n}():\n"
            f"{work if n < 8 else ''}    return 'ok'\n")


def test_a_check_where_no_process_can_be_forked_reports_what_one_process_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from greenit_async_lint.cli import main

    _project(tmp_path)
    monkeypatch.chdir(tmp_path)

    def report(name: str, *options: str) -> dict:
        assert main(["check", "--no-cache", "--format", f"json={tmp_path / name}", *options, "shop"]) == 1
        data = json.loads((tmp_path / name).read_text())
        data.pop("generated_at")
        return data

    alone = report("alone.json", "--jobs", "1")
    assert len(alone["handlers"]) == 52 and len(alone["findings"]) == 8
    assert all(f["fix"]["diff"] for f in alone["findings"])

    def refused() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refused)
    assert report("refused.json", "--jobs", "2") == alone
    assert fanout.started() == []


def test_more_chunks_than_the_claims_pipes_hold_are_claimed_larger(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pipe of a page holds 1,024 claims (two processes' stretches, 2,048): 5,000 items a chunk
    at a time are then claimed five (three) at a time, by the parent and the helper alike, each
    item still made exactly once."""
    monkeypatch.setattr(fanout, "PIPE_BYTES", 4096)
    for stretches in (False, True):
        results, mine = fanout.fan_out(5000, _slow_in_parent_now_and_then, 1, 1, stretches=stretches)
        fanout.finish()
        assert [value for value, _pid in results] == list(range(5000))
        assert sorted(mine) == [i for i, (_value, pid) in enumerate(results) if pid == PARENT]
        assert len(mine) < 5000, "no helper took any item: the test would prove nothing"
    for shares, size in ((1, 5), (2, 3)):  # one pipe for all: 1,024 claims; one a process: 2,048
        claims, chunk = fanout._claims_pipes(5000, 1, shares)
        for pipe in claims:
            os.close(pipe)
        assert (len(claims), chunk) == (shares, size)


def test_a_fast_helper_is_not_held_back_by_a_slow_parent() -> None:
    """Between its own chunks the parent takes all the helper has sent, not a message: else a
    helper faster than the parent fills its pipe (ten results of 100 KB) and waits on it."""
    def uneven(_i: int) -> tuple[int, bytes]:
        if os.getpid() == PARENT:
            time.sleep(0.005)
        return os.getpid(), bytes(100_000)

    results, mine = fanout.fan_out(400, uneven, 1, 1)
    fanout.finish()
    assert len(results) == 400 and all(len(blob) == 100_000 for _pid, blob in results)
    assert len(mine) < 100  # one message a parent's chunk would have let the parent make half


def test_each_process_starts_with_a_stretch_of_its_own() -> None:
    """Neighbouring items share work a process memoises (a module's handlers reach the same
    services): the parent starts at the first item, the helper at the first of the second half,
    and each goes on in order through its own stretch before it takes what is left of the other's."""
    def steady(i: int) -> tuple[int, int, float]:
        time.sleep(0.01)
        return i, os.getpid(), time.monotonic()

    results, mine = fanout.fan_out(40, steady, 1, 1, stretches=True)
    fanout.finish()
    assert [value for value, _pid, _at in results] == list(range(40))
    helper = sorted((at, i) for i, (_value, pid, at) in enumerate(results) if pid != PARENT)
    parent = sorted((at, i) for i, (_value, pid, at) in enumerate(results) if pid == PARENT)
    assert helper, "no helper took any item: the test would prove nothing"
    assert parent[0][1] == 0 and helper[0][1] == 20
    own = [i for _at, i in helper if i >= 20]
    assert own[:10] == list(range(20, 30))  # in order from the start of its stretch (the parent,
    # as fast, reaches the helper's stretch only near its end)


def test_stretches_start_where_the_caller_says_and_a_process_done_takes_the_others_rest(tmp_path: Path) -> None:
    """The fix planner's shares are uneven in number (fix/parallel.py): the helper starts at the
    first item of its own share, and the parent, slow at its first item, leaves it the rest of its."""
    started = tmp_path / "parent-started"

    def first_slow_in_parent(i: int) -> tuple[int, int, float]:
        if os.getpid() == PARENT:
            started.touch()
            if i == 0:
                time.sleep(1.0)
        else:
            for _ in range(500):  # at most 5 s: the parent takes its first item before the helper starts
                if started.exists():
                    break
                time.sleep(0.01)
        return i, os.getpid(), time.monotonic()

    results, mine = fanout.fan_out(10, first_slow_in_parent, 1, 1, stretches=True, starts=[0, 8])
    fanout.finish()
    assert [value for value, _pid, _at in results] == list(range(10))
    assert mine[0] == 0
    helper = [i for _at, i in sorted((at, i) for i, (_value, pid, at) in enumerate(results) if pid != PARENT)]
    assert helper[:2] == [8, 9]  # its own share first
    assert set(helper[2:]) and set(helper[2:]) <= set(range(1, 8))  # then what the parent had not started


def _slow_in_parent_now_and_then(i: int) -> tuple[int, int]:
    if os.getpid() == PARENT and i % 100 == 0:
        time.sleep(0.01)
    return i, os.getpid()


def test_a_check_imports_no_multiprocessing(tmp_path: Path) -> None:
    """The forks are made with os alone (forks.py): multiprocessing's import would cost every cold
    check about 10 ms (socket, selectors, ctypes), a twentieth of a small project's check."""
    import subprocess
    import sys

    _project(tmp_path)
    code = ("import sys\nfrom greenit_async_lint.cli import main\n"
            "status = main(['check', '--no-cache', '--jobs', '2', '--format', 'json=out.json', 'shop'])\n"
            "print(status, 'multiprocessing' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["1", "False"], done.stderr


def test_the_analysis_is_imported_while_the_workers_summarise(tmp_path: Path) -> None:
    """The modules only the analysis after the summaries needs (the finder, the reach...) and the
    catalogue (its records and their build) are imported by the parent once its summary worker is
    forked (engine._load), not before it, when the other core would idle."""
    import subprocess
    import sys

    _project(tmp_path)
    code = """
import sys
from greenit_async_lint.analysis import fanout, loader, workers
from greenit_async_lint.cli import main
seen = []
later = ("greenit_async_lint.analysis.reach", "greenit_async_lint.catalogue.load")
real_load, real_fan_out = loader.load, workers.fan_out
def load(*args, **kwargs):
    seen.extend(name in sys.modules for name in later)
    return real_load(*args, **kwargs)
def fan_out(count, compute, helpers, chunk, before=None, then=None, wire=None):
    def first():
        seen.append(len(fanout.started()))
        before()
        seen.extend(name in sys.modules for name in later)
    return real_fan_out(count, compute, helpers, chunk, first, then, wire)
loader.load, workers.fan_out = load, fan_out
status = main(["check", "--no-cache", "--jobs", "2", "--format", "json=out.json", "shop"])
print(status, *seen)
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["1", "False", "False", "1", "True", "True"], done.stderr


def test_with_a_wire_results_travel_as_its_bytes_and_then_gets_them(tmp_path: Path) -> None:
    """workers.py's summaries: each result is sent as `dumps` makes it, read back with `loads`,
    and a helper's `then` gets those very bytes (written to the cache without a second pickle)."""
    import pickle

    def then(done: list[tuple[int, bytes]]) -> None:
        (tmp_path / str(os.getpid())).write_bytes(pickle.dumps(done))

    results, mine = fanout.fan_out(30, _slow_in_parent, 1, 1, then=then, wire=(pickle.dumps, pickle.loads))
    fanout.finish()
    assert [value for value, _pid in results] == [i * i for i in range(30)]
    sent = [pair for p in tmp_path.iterdir() for pair in pickle.loads(p.read_bytes())]
    assert sent, "the helper took nothing"
    assert all(isinstance(data, bytes) and pickle.loads(data) == results[i] for i, data in sent)
    assert sorted(i for i, _data in sent) == sorted(set(range(30)) - set(mine))

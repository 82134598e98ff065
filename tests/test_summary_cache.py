"""The summary cache and the processes that fill it (loader.py, workers.py, safestore.EntryShards).

Workers are forked for real here (a project over loader._PARALLEL_MIN_FILES files, `jobs` > 1);
each test that starts them joins them (loader.finish) and runs in seconds.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from greenit_async_lint.analysis import fanout, ir, loader, safestore, workers
from greenit_async_lint.analysis.discovery import DEFAULT_EXCLUDE, Excluder, collect
from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.analysis.ir import SUMMARY_FORMAT
from greenit_async_lint.analysis.safestore import EntryShards
from greenit_async_lint.config import Config

pytestmark = pytest.mark.skipif(not workers.can_fork(), reason="the workers are forked")
STEM = f"summaries-v{SUMMARY_FORMAT}"
MODULES = 60  # over loader._PARALLEL_MIN_FILES: the parallel path


@pytest.fixture(autouse=True)
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setattr(safestore, "_KEY", None)
    yield {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "user-cache")}
    loader.finish()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A Flask app whose handler reaches a blocking call through three modules, among many."""
    root = tmp_path / "proj"
    pkg = root / "app"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for n in range(MODULES):  # m0 -> m1 -> m2 -> time.sleep; the others are not on the path
        callee = f"from app.m{n + 1} import step{n + 1}\n" if n < 2 else "import time\n"
        body = f"step{n + 1}(x)" if n < 2 else "time.sleep(x)"
        (pkg / f"m{n}.py").write_text(f"{callee}\n\ndef step{n}(x):\n    return {body}\n")
    (pkg / "views.py").write_text("from flask import Flask\nfrom app.m0 import step0\n\napp = Flask(__name__)\n\n\n"
                                  "@app.get('/slow')\ndef slow():\n    step0(1)\n    return 'ok'\n")
    return root


def _files(root: Path) -> list:
    return collect([root], Excluder(DEFAULT_EXCLUDE, root, True), root)


def _findings(report) -> list[tuple[str, int, str, str]]:  # type: ignore[no-untyped-def]
    return [(f.path, f.line, f.code, f.message) for f in report.findings]


def _shards(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(STEM))


def test_parallel_summaries_are_the_serial_ones_and_fill_the_cache(project: Path) -> None:
    files = _files(project)
    serial = loader.load(files, None, 10**6, 1)
    cache = loader.SummaryCache(project / "cache")
    parallel = loader.load(files, cache, 10**6, 3)  # the parent and two workers
    forked = fanout.started()
    loader.finish()
    assert parallel == serial
    assert forked and fanout.started() == []
    for process in forked:  # every worker and writer joined: reaped, its process id gone
        assert process.exitcode is not None and process.pid is not None
        with pytest.raises(ProcessLookupError):
            os.kill(process.pid, 0)
    # One shard per process that summarised: a worker that starts late on a busy machine may find
    # no file left to take (CI saw 2), so the count is bounded, and every file's entry must be there.
    assert 1 <= len(_shards(project / "cache")) <= 3
    again = loader.SummaryCache(project / "cache")
    assert len(again.store.entries.raw) == len(files)
    assert all(again.by_content(sha) is not None for sha in again.store.entries.raw)
    assert loader.load(files, again, 10**6, 3) == serial


def test_summaries_made_largest_first_come_back_in_the_files_order(project: Path) -> None:
    """workers.summarise_all hands out the largest files first: each summary still lands at its file."""
    for n, module in enumerate(sorted((project / "app").glob("m*.py"))):
        module.write_text(module.read_text() + "#" * (40 * n) + "\n")  # later files larger
    files = _files(project)
    parallel = loader.load(files, None, 10**6, 2)
    loader.finish()
    assert [summary.path for summary in parallel] == [src.display for src in files]
    assert parallel == loader.load(files, None, 10**6, 1)


def test_a_warm_cache_summarises_only_the_edited_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = Config(jobs=2)
    expected = _findings(analyse(["."], Config(cache=False, jobs=1), cwd=project))
    assert expected and _findings(analyse(["."], config, cwd=project)) == expected
    (project / ".greenit-cache" / "result.jsonl").unlink()  # the summaries answer, not the result cache
    summarised = []
    real = loader.summarize
    monkeypatch.setattr(loader, "summarize", lambda data, path, *rest: summarised.append(path) or real(data, path, *rest))
    edited = project / "app" / "m1.py"
    edited.write_text(edited.read_text() + "# edited\n")
    assert _findings(analyse(["."], config, cwd=project)) == expected
    assert summarised == ["app/m1.py"]


def test_a_large_projects_summaries_are_decoded_sharing_equal_values(project: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    files = _files(project)
    serial = loader.load(files, None, 10**6, 1)
    monkeypatch.setattr(loader, "CANON_MIN_FILES", len(files))  # this project is "large"
    loader.load(files, loader.SummaryCache(project / "cache", len(files)), 10**6, 1)
    cache = loader.SummaryCache(project / "cache", len(files))
    assert cache.codec is loader.JSON_CODEC  # a large project's summaries are JSON: sharing needs its decoding
    decoded = loader.load(files, cache, 10**6, 1)
    assert decoded == serial
    sleeps = [cs.func for m in decoded if isinstance(m, ir.Module) for fn in m.functions.values()
              for cs in fn.scope.calls if cs.tail == "sleep"]
    assert len(sleeps) == MODULES - 2 and all(func is sleeps[0] for func in sleeps)  # `time.sleep`, once
    assert not cache.store.entries.raw  # nothing to compact: the entries read were let go


def test_a_shard_is_written_as_its_entries_come_and_not_at_all_without_any(tmp_path: Path) -> None:
    store = EntryShards(tmp_path, STEM, loader.HEADER)
    store.add_shard(iter([]))
    assert not _shards(tmp_path)

    def entries():  # type: ignore[no-untyped-def]
        yield "a", loader.CODEC.encode("one")
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(f".{STEM}")]  # being written
        yield "b", loader.CODEC.encode("two")
    store.add_shard(entries())
    again = EntryShards(tmp_path, STEM, loader.HEADER)
    assert len(_shards(tmp_path)) == 1 and [again.get(k, loader.CODEC) for k in "ab"] == ["one", "two"]


def test_identical_files_at_several_paths_each_have_their_entry(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("one", "two", "three"):  # empty packages, as Django apps have dozens of
        (project / "app" / name).mkdir()
        (project / "app" / name / "__init__.py").write_text("")
    files = _files(project)
    serial = loader.load(files, None, 10**6, 1)
    loader.load(files, loader.SummaryCache(project / "cache"), 10**6, 1)
    summarised: list[str] = []
    real = loader.summarize
    monkeypatch.setattr(loader, "summarize", lambda data, path, *rest: summarised.append(path) or real(data, path, *rest))
    assert loader.load(files, loader.SummaryCache(project / "cache"), 10**6, 1) == serial
    assert summarised == []


def test_a_worker_that_fails_or_dies_leaves_its_files_to_the_parent(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _files(project)
    serial = loader.load(files, None, 10**6, 1)
    parent = os.getpid()
    real = loader.summarize

    def flaky(data: bytes, path: str, *rest: object) -> object:
        if os.getpid() != parent:  # whichever chunk a worker takes, it fails on it or dies
            if len(path) % 2:
                raise RuntimeError("a bug met in a worker")
            os._exit(3)  # killed
        return real(data, path, *rest)

    monkeypatch.setattr(loader, "summarize", flaky)
    cache = loader.SummaryCache(project / "cache")
    assert loader.load(files, cache, 10**6, 3) == serial
    loader.finish()
    assert loader.load(files, loader.SummaryCache(project / "cache"), 10**6, 1) == serial


def test_shards_merge_and_a_damaged_copy_falls_back_to_a_good_one(tmp_path: Path) -> None:
    codec = loader.CODEC
    first = EntryShards(tmp_path, STEM, loader.HEADER)
    first.add_shard([("a", codec.encode(("one",))), ("b", codec.encode(("two",)))])
    first.add_shard([("a", codec.encode(("one",)))])
    # The shard holding "a" alone: its header and one entry (not a search for " b", which the
    # entry's hex MAC holds one time in sixteen).
    damaged = next(p for p in _shards(tmp_path) if len(p.read_bytes().splitlines()) == 2)
    damaged.write_bytes(damaged.read_bytes().replace(b"one", b"owe"))
    store = EntryShards(tmp_path, STEM, loader.HEADER)
    assert store.get("a", codec) == ("one",) and store.get("b", codec) == ("two",)
    assert store.get("c", codec) is None


def test_compacting_keeps_what_is_used_and_the_shards_written_since(tmp_path: Path) -> None:
    codec = loader.CODEC
    EntryShards(tmp_path, STEM, loader.HEADER).add_shard([(k, codec.encode(k)) for k in "abc"])
    leftover = tmp_path / f".{STEM}-99-dead.jsonl-x1"  # a killed writer's temporary file
    leftover.write_bytes(b"partial")
    os.utime(leftover, (time.time() - 2 * safestore.LEFTOVER_SECONDS,) * 2)
    store = EntryShards(tmp_path, STEM, loader.HEADER)
    assert store.needs_compacting(set("a"), EntryShards.MAX_FILES)  # too many files to come
    EntryShards(tmp_path, STEM, loader.HEADER).add_shard([("d", codec.encode("d"))])  # another run, meanwhile
    store.compact({"a", "b"})
    names = {p.name for p in _shards(tmp_path)}
    assert f"{STEM}.jsonl" in names and len(names) == 2 and not leftover.exists()
    after = EntryShards(tmp_path, STEM, loader.HEADER)
    assert [after.get(k, codec) for k in "abcd"] == ["a", "b", None, "d"]


def test_two_checks_at_once_then_a_third_all_report_the_same(project: Path, user_cache: dict[str, str]) -> None:
    reference = analyse(["."], Config(cache=False, jobs=1), cwd=project)
    command = [sys.executable, "-m", "greenit_async_lint", "check", "--jobs", "2", "--format", "json", "."]
    runs = [subprocess.Popen(command, cwd=project, env=user_cache, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)]
    for run in runs:
        out, _err = run.communicate(timeout=120)
        assert run.returncode in (0, 1) and b"time.sleep" in out
    folder = project / ".greenit-cache"
    (folder / "result.jsonl").unlink()
    store = EntryShards(folder, STEM, loader.HEADER)
    assert len(store.entries.raw) >= MODULES and all(store.get(k, loader.CODEC) for k in store.entries.raw)
    assert _findings(analyse(["."], Config(jobs=2), cwd=project)) == _findings(reference)


def test_an_error_in_the_parent_leaves_no_worker_blocked(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parent = os.getpid()
    real = loader.summarize

    def broken(data: bytes, path: str, *rest: object) -> object:
        if os.getpid() == parent:
            time.sleep(1)  # the workers summarise everything meanwhile
            raise RuntimeError("a bug met in the parent")
        return real(data, path, *rest)

    for n in range(MODULES):  # summaries too large for a pipe's buffer: a worker blocks on sending them
        path = project / "app" / f"m{n}.py"
        path.write_text(path.read_text() + "".join(f"\n\ndef pad{k}(a, b):\n    return a.get(b, k={k})\n"
                                                   for k in range(100)))
    monkeypatch.setattr(loader, "summarize", broken)
    monkeypatch.setattr(fanout, "PIPE_BYTES", 4096)  # a pipe as small as the system allows
    with pytest.raises(RuntimeError, match="in the parent") as caught:
        loader.load(_files(project), loader.SummaryCache(project / "cache"), 10**6, 3)
    # The traceback keeps load's frames alive, as an uncaught error does until the process ends:
    # the workers must still see their pipe closed, and stop.
    blocked = []
    for process in fanout.started():
        process.join(30)
        if process.is_alive():
            blocked.append(process)
            process.kill()
    loader.finish()
    assert caught.traceback and not blocked

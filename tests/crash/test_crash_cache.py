"""Byte-level corruption of every cache file a run writes: the next run, and the one after it,
give the very report a run without cache gives — never a traceback, never a stale answer, never
a cache that keeps failing until someone deletes it by hand.

The default run corrupts 40 times (derandomised by seed); `GREENIT_NIGHTLY=1` 3,000 times."""
from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest

from conftest import FIXTURES
from crashkit import NIGHTLY, run_main

APP = FIXTURES / "docconvert"
CORRUPTIONS = 3000 if NIGHTLY else 40
CHECK = ("check", "--format", "json", "--jobs", "1")


def _flip(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return b"\x00"
    at = rng.randrange(len(data))
    return data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1:]


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(len(data) + 1)]


def _insert(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    junk = rng.choice((b"\x00" * 8, b"\xff\xfe", b"}", b"]]]]", b"\n", b'"', b"9" * 40, b"NaN", b"1e999",
                       bytes(rng.randrange(256) for _ in range(16))))
    return data[:at] + junk + data[at:]


def _zero_range(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    length = rng.randint(1, 64)
    return data[:at] + b"\x00" * min(length, len(data) - at) + data[at + length:]


def _swap_lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    rng.shuffle(lines)
    return b"\n".join(lines)


def _duplicate(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + data[at:at + rng.randint(1, 200)] + data[at:]


def _digits(data: bytes, rng: random.Random) -> bytes:
    """A number made huge: sizes, counts and line numbers that overflow or ask for all the memory."""
    spots = [i for i, byte in enumerate(data) if chr(byte).isdigit()]
    if not spots:
        return _insert(data, rng)
    at = rng.choice(spots)
    return data[:at] + b"9" * rng.choice((12, 40, 400)) + data[at + 1:]


MUTATIONS: list[Callable[[bytes, random.Random], bytes]] = [
    _flip, _truncate, _insert, _zero_range, _swap_lines, _duplicate, _digits, lambda data, rng: b"",
]


def _report(outcome) -> dict[str, Any]:
    report = outcome.report()
    report.pop("generated_at", None)
    return report


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes], dict[str, Any], int]:
    """The app, the cache files a first run writes, and the report of a run without cache."""
    root = tmp_path_factory.mktemp("cache") / "app"
    shutil.copytree(APP, root, ignore=shutil.ignore_patterns("__pycache__", ".greenit-cache"))
    (root / "pyproject.toml").write_text('[project]\nname = "docconvert"\n')
    fresh = run_main(root, *CHECK, "--no-cache")
    run_main(root, *CHECK)
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
             if p.is_file() and ".greenit-cache" in p.parts and p.name != ".gitignore"}
    assert files, "the run wrote no cache file: nothing to corrupt"
    return root, files, _report(fresh), fresh.returncode


def _restore(root: Path, files: dict[str, bytes]) -> None:
    shutil.rmtree(root / ".greenit-cache", ignore_errors=True)
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)


def test_the_cache_is_really_used(pristine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not vacuous: a run with the pristine cache answers from it (and answers the same)."""
    from greenit_async_lint.analysis import resultcache

    root, files, expected, code = pristine
    _restore(root, files)
    hits = []
    load = resultcache.load
    monkeypatch.setattr(resultcache, "load", lambda *args: hits.append(load(*args)) or hits[-1])
    outcome = run_main(root, *CHECK)
    assert _report(outcome) == expected and outcome.returncode == code
    assert hits and hits[-1] is not None, "the stored result was not used"
    assert {p.name for p in (root / ".greenit-cache").iterdir()} >= {Path(n).name for n in files}


@pytest.mark.parametrize("batch", range(4))
def test_corrupted_cache_files_give_the_uncached_report(pristine, batch: int) -> None:
    root, files, expected, code = pristine
    names = sorted(files)
    for seed in range(batch, CORRUPTIONS, 4):
        rng = random.Random(seed)
        _restore(root, files)
        name = names[seed % len(names)]
        mutation = MUTATIONS[rng.randrange(len(MUTATIONS))]
        (root / name).write_bytes(mutation(files[name], rng))
        what = f"seed {seed}: {getattr(mutation, '__name__', 'emptied')} on {name}"
        for attempt in ("first run", "second run"):
            outcome = run_main(root, *CHECK)
            assert outcome.returncode == code, f"{what}, {attempt}: exit {outcome.returncode}\n{outcome.stderr}"
            assert _report(outcome) == expected, f"{what}, {attempt}: the report differs from a run without cache"

"""The caches cannot run code and cannot lie: planted, forged and damaged cache files are misses.

A cache folder sits inside the checked project, where a pull request can put anything. These tests
plant what an attacker would (a pickle whose `__reduce__` writes a marker, random bytes, an entry
forged with another key) at every cache path, run the real CLI, and compare with `--no-cache`.
"""
from __future__ import annotations

import base64
import os
import pickle
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES
from greenit_async_lint.analysis import loader, resultcache, safestore
from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.analysis.ir import SUMMARY_FORMAT
from greenit_async_lint.analysis.safestore import Codec, CodecError, EntryFile
from greenit_async_lint.config import Config

CACHE_NAMES = (f"summaries-v{SUMMARY_FORMAT}.jsonl", f"summaries-v{SUMMARY_FORMAT}-1-planted.jsonl", "result.jsonl",
               # the names the pickled caches of version 0.1 had: still never unpickled
               f"summaries-v{SUMMARY_FORMAT}.pickle", "result.pickle")


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",))


def _cli(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "greenit_async_lint", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=env)


@pytest.fixture
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An isolated user cache folder (where the cache key lives), in this process and children."""
    home = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.setattr(safestore, "_KEY", None)
    return {**os.environ, "XDG_CACHE_HOME": str(home)}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "proj"
    shutil.copytree(FIXTURES / "docconvert", target)
    return target


def _without_time(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "generated_at" not in line)


def test_the_payload_is_live(tmp_path: Path) -> None:
    """The planted pickle really runs code when unpickled: the tests below prove something."""
    marker = tmp_path / "marker"
    subprocess.run([sys.executable, "-c", "import pickle,sys; pickle.loads(sys.stdin.buffer.read())"],
                   input=pickle.dumps(_Payload(marker)), timeout=60, check=True)
    assert marker.read_text() == "pwned"


@pytest.mark.parametrize("kind", ["pickle", "random", "pickle-in-entry"])
def test_planted_cache_files_run_nothing_and_change_nothing(project: Path, user_cache: dict[str, str],
                                                            tmp_path: Path, kind: str) -> None:
    marker = tmp_path / "marker"
    reference = _cli("check", "--no-cache", "--format", "json", cwd=project, env=user_cache)
    assert reference.returncode == 1, reference.stderr
    folder = project / ".greenit-cache"
    folder.mkdir()
    rng = random.Random(112)
    blob = pickle.dumps(_Payload(marker))
    for name in CACHE_NAMES:
        if kind == "pickle":
            data = blob
        elif kind == "random":
            data = bytes(rng.randrange(256) for _ in range(4096))
        else:  # the right header, then a pickle where an entry's JSON should be
            header = loader.HEADER if name.startswith("summaries") else resultcache.header()
            data = header.encode() + b"\n" + b"0" * 64 + b" " + b"f" * 32 + b" " + blob.replace(b"\n", b"") + b"\n"
        (folder / name).write_bytes(data)
    for _ in range(2):  # the first run meets the planted files, the second the files it rewrote
        result = _cli("check", "--format", "json", cwd=project, env=user_cache)
        assert not marker.exists()
        assert result.returncode == reference.returncode, result.stderr
        assert _without_time(result.stdout) == _without_time(reference.stdout)
    assert "*" in (folder / ".gitignore").read_text().splitlines()


def test_an_entry_forged_with_another_key_is_not_believed(project: Path, user_cache: dict[str, str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A result entry claiming a clean run verifies only under the key that wrote it."""
    config = Config(jobs=1)
    honest = analyse(["."], config, cwd=project)
    assert honest.findings
    store = EntryFile(project / ".greenit-cache" / "result.jsonl", resultcache.header())
    (key,) = store.raw
    monkeypatch.setattr(safestore, "_KEY", b"an attacker's guess of the key....")
    forged = EntryFile(store.path, resultcache.header(), read=False)
    forged.put(key, resultcache.codec().encode(([], [], {})))
    forged.save()
    monkeypatch.setattr(safestore, "_KEY", None)  # back to this user's key
    again = analyse(["."], config, cwd=project)
    assert [(f.path, f.line, f.code) for f in again.findings] == [(f.path, f.line, f.code) for f in honest.findings]


def test_a_summary_pickle_that_verifies_still_runs_nothing(project: Path, user_cache: dict[str, str],
                                                          tmp_path: Path) -> None:
    """Summaries are pickled (safepickle.py). Were the user's key to leak, an entry checksummed
    with it would be unpickled: the unpickler then names no code, so the planted payload is a miss
    and the check is what `--no-cache` says."""
    marker = tmp_path / "marker"
    reference = _cli("check", "--no-cache", "--format", "json", cwd=project, env=user_cache)
    assert _cli("check", "--format", "json", cwd=project, env=user_cache).returncode == reference.returncode
    folder = project / ".greenit-cache"
    (folder / "result.jsonl").unlink()  # the next check reads every summary back
    shards = [p for p in folder.iterdir() if p.name.startswith(f"summaries-v{SUMMARY_FORMAT}")]
    body = base64.b64encode(pickle.dumps(_Payload(marker), 5))
    forged = 0
    for shard in shards:
        lines = shard.read_bytes().split(b"\n")
        assert lines[0] == loader.HEADER.encode()  # pickles: this user's key is private
        for i, line in enumerate(lines[1:], 1):
            if line:
                key = line.split(b" ", 1)[0].decode()
                lines[i] = b" ".join((key.encode(), safestore._mac(key, body).encode(), body))
                forged += 1
        shard.write_bytes(b"\n".join(lines))
    assert forged >= 5 and EntryFile(shards[0], loader.HEADER).body(key) == body  # they verify
    result = _cli("check", "--format", "json", cwd=project, env=user_cache)
    assert not marker.exists()
    assert result.returncode == reference.returncode, result.stderr
    assert _without_time(result.stdout) == _without_time(reference.stdout)


def test_random_damage_to_any_cache_file_is_a_miss(project: Path, user_cache: dict[str, str]) -> None:
    config = Config(jobs=1)
    expected = [(f.path, f.line, f.code, f.message) for f in analyse(["."], Config(cache=False, jobs=1), cwd=project).findings]
    analyse(["."], config, cwd=project)  # warm both caches
    folder = project / ".greenit-cache"
    pristine = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix == ".jsonl"}
    assert "result.jsonl" in pristine and any(name.startswith(f"summaries-v{SUMMARY_FORMAT}") for name in pristine)
    rng = random.Random(17)
    deadline = time.monotonic() + 60
    for round_ in range(40):
        if time.monotonic() > deadline:
            break
        for path in folder.iterdir():
            if path.suffix == ".jsonl" and path.name not in pristine:
                path.unlink()  # the shard the previous round wrote: only damaged entries are left
        for name, data in pristine.items():
            damaged = bytearray(data)
            how = round_ % 4
            if how == 0:
                for _ in range(rng.randrange(1, 8)):
                    damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            elif how == 1:
                del damaged[rng.randrange(len(damaged)):]
            elif how == 2:  # a digit of a number changed: the JSON still parses
                digits = [i for i, b in enumerate(damaged) if 48 <= b <= 57]
                damaged[rng.choice(digits)] = rng.choice(b"0123456789")
            else:
                damaged[rng.randrange(len(damaged))] ^= 0x80
            (folder / name).write_bytes(bytes(damaged))
        got = [(f.path, f.line, f.code, f.message) for f in analyse(["."], config, cwd=project).findings]
        assert got == expected, f"round {round_}"


def test_an_edit_that_keeps_size_and_mtime_is_seen(project: Path, user_cache: dict[str, str]) -> None:
    config = Config(jobs=1)
    first = analyse(["."], config, cwd=project)
    assert first.findings
    # The same number of bytes, the same modification time, and no more soffice.
    victim = next(p for p in project.rglob("*.py") if b'"soffice"' in p.read_bytes())
    info = victim.stat()
    data = victim.read_bytes()
    victim.write_bytes(data.replace(b'"soffice"', b'"sofflce"'))
    os.utime(victim, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert victim.stat().st_size == info.st_size and victim.stat().st_mtime_ns == info.st_mtime_ns
    second = [(f.line, f.code, f.message) for f in analyse(["."], config, cwd=project).findings]
    fresh = [(f.line, f.code, f.message) for f in analyse(["."], Config(cache=False, jobs=1), cwd=project).findings]
    assert second == fresh != [(f.line, f.code, f.message) for f in first.findings]


# -- the codec itself ------------------------------------------------------------------------------

def test_codec_round_trips_plain_data_and_keeps_shared_objects_shared() -> None:
    from greenit_async_lint.analysis import findings, handlers, reach
    from greenit_async_lint.analysis.safestore import classes_in
    codec = Codec(classes_in(handlers, findings, reach))
    handler = handlers.Handler(0, "views.convert", "views.py", 3, "flask", "/c", False)
    finding = findings.Finding("GAL101", "violation", "views.py", 4, 5, "m", handler=handler,
                               chain=(reach.Hop("views.py", 4, 5, "run"),), extra={"k": (1, 2.5, None)})
    value = ([handler], [finding], {("views.py", "views.convert"): "violation"},
             frozenset({b"\x00", 1j, ...}), {"nested": [(1, (2, (3,)))]})
    back = codec.decode(codec.encode(value))
    assert back == value
    assert back[1][0].handler is back[0][0]
    assert type(back[1][0].chain) is tuple and type(back[4]["nested"][0]) is tuple


def test_codec_refuses_what_it_does_not_know() -> None:
    codec = Codec([])
    with pytest.raises(CodecError):
        codec.encode(object())
    for bad in (b'{"o": "os.system", "v": ["true"]}', b'{"r": 3}', b'{"zz": 1}', b"[" * 100_000, b"\xff"):
        with pytest.raises(CodecError):
            codec.decode(bad)


def test_one_oversized_file_does_not_turn_the_result_cache_off(project: Path, user_cache: dict[str, str]) -> None:
    (project / "huge.py").write_text("x = 1\n" * 50)
    config = Config(jobs=1, max_file_bytes=100)
    first = analyse(["."], config, cwd=project)
    assert "GAL903" in {f.code for f in first.findings}
    assert (project / ".greenit-cache" / "result.jsonl").is_file()
    stored = EntryFile(project / ".greenit-cache" / "result.jsonl", resultcache.header())
    assert len(stored.raw) == 1 and resultcache.load(project / ".greenit-cache", resultcache.Key(next(iter(stored.raw)), "", ())) is not None

"""The summary cache's restricted pickles (safepickle.py): what they rebuild, what they refuse.

The bytes reach the codec only after their keyed checksum verified (test_trust_cache.py plants
entries through the real CLI); these pin the codec itself: real summaries round-trip, and a pickle
that names anything but the summary records is refused before anything it names is called.
"""
from __future__ import annotations

import base64
import os
import pickle
from pathlib import Path

import pytest

from conftest import FIXTURES
from greenit_async_lint.analysis import ir, loader, safestore
from greenit_async_lint.analysis.safecodec import Canon, CodecError
from greenit_async_lint.analysis.safepickle import PickleCodec
from greenit_async_lint.analysis.safestore import classes_in
from greenit_async_lint.analysis.summarize import summarize

CODEC = PickleCodec(classes_in(ir))


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",))


def _summaries() -> list[object]:
    files = sorted(FIXTURES.rglob("*.py"))[:60]
    assert len(files) >= 20
    return [summarize(path.read_bytes(), str(path), path.stem, False) for path in files]


def test_real_summaries_round_trip_and_keep_what_they_share() -> None:
    summaries = _summaries()
    assert any(isinstance(s, ir.Module) and s.functions for s in summaries)
    encoded = [CODEC.encode(s) for s in summaries]
    assert all(b"\n" not in body and b" " not in body for body in encoded)  # one entry a line in safestore
    decoded = [CODEC.decode(body) for body in encoded]
    assert decoded == summaries
    # A value held twice in one summary is one object after decoding, as it was before.
    for before, after in zip(summaries, decoded):
        if isinstance(before, ir.Module) and before.functions:
            name, fn = next(iter(before.functions.items()))
            assert (fn.scope is fn.scope) and after.functions[name].scope == fn.scope
    with pytest.raises(TypeError):  # sharing across files is the JSON codec's (loader.CANON_MIN_FILES)
        CODEC.decode(encoded[0], Canon())


def test_an_entry_made_from_a_workers_pickle_is_the_entry_of_its_summary() -> None:
    """A summary worker sends each summary's pickle and writes its entry from those bytes
    (workers.Pickles): the cache then holds what `encode` would have written, and it decodes back."""
    summaries = _summaries()
    for summary in summaries:
        sent = CODEC.pickled(summary)
        assert pickle.loads(sent) == summary
        assert CODEC.from_pickled(sent) == CODEC.encode(summary)
        assert CODEC.decode(CODEC.from_pickled(sent)) == summary


def test_a_pickle_that_names_other_code_is_refused_before_it_runs(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    for payload in (_Payload(marker), os.system, [ir.Name("n", "x"), print]):
        body = base64.b64encode(pickle.dumps(payload, 5))
        with pytest.raises(CodecError):
            CODEC.decode(body)
    assert not marker.exists()
    # The check is by module and name: a summary class's module does not open its other names.
    with pytest.raises(CodecError, match="names greenit_async_lint.analysis.ir.dataclass"):
        CODEC.decode(base64.b64encode(b"\x80\x05\x8c\x1egreenit_async_lint.analysis.ir\x8c\tdataclass\x93."))


@pytest.mark.parametrize("bad", [b"", b"not base64 at all \xff", base64.b64encode(b"\x80\x05K\x01"),
                                 base64.b64encode(pickle.dumps(1, 5) + b"tail")])
def test_malformed_entries_are_refused(bad: bytes) -> None:
    with pytest.raises(CodecError):
        CODEC.decode(bad)


def test_the_fingerprint_names_the_encoding_and_the_record_fields() -> None:
    assert CODEC.fingerprint == PickleCodec(classes_in(ir)).fingerprint
    assert CODEC.fingerprint != loader.JSON_CODEC.fingerprint
    assert CODEC.fingerprint != PickleCodec([c for c in classes_in(ir) if c is not ir.Guard]).fingerprint


def test_the_summary_cache_pickles_only_under_a_private_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setattr(safestore, "_KEY", None)
    private = loader.SummaryCache(tmp_path / "one")
    assert safestore.has_private_key() and private.codec is loader.CODEC
    summary = _summaries()[0]
    private.add([("a" * 64, summary)])
    assert loader.SummaryCache(tmp_path / "one").by_content("a" * 64) == summary

    monkeypatch.setattr(safestore, "_KEY", safestore._FALLBACK_KEY)  # no home to keep a key in
    public = loader.SummaryCache(tmp_path / "one")
    assert not safestore.has_private_key() and public.codec is loader.JSON_CODEC
    assert "a" * 64 not in public  # the pickled shard's header is another codec's: a miss, never read
    public.add([("b" * 64, summary)])
    assert loader.SummaryCache(tmp_path / "one").by_content("b" * 64) == summary

    monkeypatch.setattr(safestore, "_KEY", None)
    assert loader.SummaryCache(tmp_path / "two", loader.CANON_MIN_FILES - 1).codec is loader.CODEC
    # From CANON_MIN_FILES files on, JSON: its decoding shares equal values across files (memory).
    assert loader.SummaryCache(tmp_path / "two", loader.CANON_MIN_FILES).codec is loader.JSON_CODEC

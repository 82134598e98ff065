"""The cache codec's compact positional format: what it writes, what it rebuilds, what it refuses.

The trust tests (test_trust_cache.py) plant files through the real CLI; these pin the format
itself: records by their class's place under a fingerprint, no dict built on decoding, and every
malformed shape a miss (CodecError), never a wrong value.
"""
from __future__ import annotations

import dataclasses
import json
from typing import Any, NamedTuple, Optional

import pytest

from greenit_async_lint.analysis import ir, loader, resultcache
from greenit_async_lint.analysis.safecodec import Canon, Codec, CodecError, classes_in


class Point(NamedTuple):
    tag: str
    x: Any
    y: Any = None


@dataclasses.dataclass(slots=True)
class Box:
    name: str
    items: list[Any]
    parent: Optional["Box"] = None


@dataclasses.dataclass
class Lazy:
    name: str
    size: int = dataclasses.field(init=False, default=0)


CODEC = Codec([Point, Box, Lazy])


def test_records_are_positional_under_their_class_number() -> None:
    assert json.loads(CODEC.encode(Point("p", 1, "two"))) == {"0": ["p", 1, "two"]}
    assert json.loads(CODEC.encode(Box("b", []))) == {"1": ["b", [], None], "i": 0}
    # The empty tuple is JSON's `NaN` token (read back by a lookup, not the object hook).
    assert CODEC.encode(((), (1,), [()])) == b'{"t":[NaN,{"t":[1]},[NaN]]}'
    assert b" " not in CODEC.encode({"a": (1, 2), "b": Point("p", 1)})  # compact separators


def test_round_trip_keeps_types_sharing_and_fields_set_outside_init() -> None:
    inner = Box("inner", [Point("p", (1, 2.5), frozenset({"a"}))])
    lazy = Lazy("l")
    lazy.size = 7
    value = {("k", 1): [inner, Box("outer", [inner, (), ...], inner)], "lazy": lazy, "raw": b"\x00\xff",
             "set": {3}, "c": 1j, "none": None, "flags": (True, False, 0, 1)}
    back = CODEC.decode(CODEC.encode(value))
    assert back == value
    outer = back[("k", 1)][1]
    assert outer.parent is outer.items[0] is back[("k", 1)][0]
    assert type(outer.items[1]) is tuple and type(back["set"]) is set and back["lazy"].size == 7
    assert [type(v) for v in back["flags"]] == [bool, bool, int, int]
    assert type(back[("k", 1)][0].items[0]) is Point


def test_a_float_nan_is_not_read_back_as_the_empty_tuple() -> None:
    nan = float("nan")
    encoded = CODEC.encode((nan, (), [nan], Point("p", nan), complex(nan, 1), float("inf"), -float("inf"), 0.5))
    back = CODEC.decode(encoded)
    assert back[1] == () and back[5:] == (float("inf"), -float("inf"), 0.5)
    floats = [back[0], back[2][0], back[3].x, back[4].real]
    assert all(type(v) is float and v != v for v in floats), back
    assert CODEC.decode(b"NaN") == () and CODEC.decode(CODEC.encode(nan)) != ()


def test_the_empty_tuple_stays_canonical_across_decodes() -> None:
    canon = Canon()
    first, second = (CODEC.decode(CODEC.encode(Point("p", ())), canon) for _ in range(2))
    assert first is second  # a record holding the empty tuple is still merged with its equals


def test_the_fingerprint_names_the_classes_and_their_fields() -> None:
    class Point2(NamedTuple):  # same name and module as Point, one field more
        tag: str
        x: Any
        y: Any = None
        z: Any = None
    Point2.__qualname__ = Point.__qualname__
    assert Codec([Point, Box]).fingerprint == Codec([Point, Box]).fingerprint
    assert Codec([Point, Box]).fingerprint != Codec([Box, Point]).fingerprint  # the numbers would differ
    assert Codec([Point, Box]).fingerprint != Codec([Point2, Box]).fingerprint
    assert loader.CODEC.fingerprint in loader.HEADER and resultcache.codec().fingerprint in resultcache.header()
    assert loader.CODEC.fingerprint != resultcache.codec().fingerprint


@pytest.mark.parametrize("bad", [
    b'{"0": ["p", 1]}',                  # a field missing
    b'{"0": ["p", 1, 2, 3]}',            # a field too many
    b'{"0": "pxy"}',                     # not a list
    b'{"1": ["b", [], null]}',           # a shared record without its number is still checked...
    b'{"9": []}',                        # a class this codec does not know
    b'{"o": "Point", "v": ["p", 1, 2]}',  # the previous format
    b'{"t": "abc"}', b'{"d": "ab"}', b'{"f": 3}', b'{"s": {"t": []}}', b'{"c": "1"}', b'{"b": "!!"}',
    b'{"r": 0}', b'{"r": [0]}',          # a reference to nothing
    b'{"t": [], "i": 0}',                # only records are shared
    b'{"1": ["b", [], null], "i": "0"}', b'{"1": ["b", [], null], "j": 0}',
    b'{"0": ["p", 1, 2], "i": 0, "x": 1}', b'{}',
    b"[" * 100_000, b"\xff", b"",
])
def test_malformed_entries_are_refused(bad: bytes) -> None:
    if bad == b'{"1": ["b", [], null]}':  # the one well-formed shape of the list: it decodes
        assert CODEC.decode(bad) == Box("b", [])
        return
    with pytest.raises(CodecError):
        CODEC.decode(bad)


def test_unknown_values_are_refused_when_encoding() -> None:
    class Other(NamedTuple):
        a: int
    for value in (object(), [Other(1)], {"k": Other(1)}, {Other(1)}):
        with pytest.raises(CodecError):
            CODEC.encode(value)
    loop = Box("loop", [])
    loop.items.append(loop)
    with pytest.raises(CodecError):
        CODEC.encode(loop)


def test_every_record_type_of_the_caches_is_numbered() -> None:
    for codec, modules in ((loader.JSON_CODEC, [ir]), (resultcache.codec(), None)):
        if modules is not None:
            assert set(codec.fields) == set(classes_in(*modules))
        assert sorted(int(code) for code in [*codec.tuples.values(), *(c for c, _ in codec.objects.values())]) \
            == list(range(len(codec.fields)))


def test_canonical_decoding_shares_equal_values_across_entries() -> None:
    codec = Codec(classes_in(ir))
    call = ir.Call("c", ir.Attr("a", ir.Name("n", "self"), "save"), (ir.Const("k", 3),), ((None, ir.UNKNOWN),))
    canon = Canon()
    first, second = (codec.decode(codec.encode([call, (call, "x")]), canon) for _ in range(2))
    assert first == second == [call, (call, "x")]
    assert first[0] is second[0] is first[1][0] and first[1] is second[1]
    assert codec.decode(codec.encode(call))[0] is not first[0]  # without a Canon, nothing is shared
    assert type(first[0].func.base) is ir.Name and first[0].func.base is second[0].func.base


def test_canonical_decoding_never_merges_values_that_are_only_equal() -> None:
    """True == 1 == 1.0 and a NamedTuple equals a tuple of its values: each keeps its own type,
    and so do the records around them, whatever was decoded first."""
    codec = Codec(classes_in(ir))
    consts = [ir.Const("k", 1), ir.Const("k", True), ir.Const("k", 1.0), ("k", 1)]
    calls = [ir.Call("c", ir.Name("n", "f"), (c,), ()) for c in consts]
    nested = [ir.Items("t", (ir.Name("n", "x"),)), ir.Items("t", (ir.Star("*", ir.Name("n", "x")),)),
              ir.Items("t", (("n", "x"),))]
    canon = Canon()
    for order in (calls + nested, list(reversed(calls + nested))):
        decoded = [codec.decode(codec.encode(value), canon) for value in order]
        assert [_shape(d) for d in decoded] == [_shape(v) for v in order]
    listed = codec.decode(codec.encode(ir.Items("t", [1])), canon)  # a list inside: never shared
    assert listed is not codec.decode(codec.encode(ir.Items("t", [1])), canon)


def _shape(value: Any) -> Any:
    """The value with every type spelled out (== says True == 1 and Name(...) == (...))."""
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, [_shape(v) for v in value])
    return (type(value).__name__, value)


def test_canonical_decoding_interns_the_strings_of_records() -> None:
    codec = Codec([Box])
    canon = Canon()
    first, second = (codec.decode(codec.encode(Box("".join(["na", "me"]), [])), canon) for _ in range(2))
    assert first is not second and first.name is second.name == "name"


def test_a_batch_encoder_writes_what_encode_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch encoder gives a tuple met before the data it was given before: the bytes must be
    `encode`'s, value by value, also for a tuple holding a dataclass (written whole in each value,
    never remembered) and after the memo starts again."""
    from greenit_async_lint.analysis import safeencoder

    box = Box("b", [1])
    shared = Point("p", (1, "x"), (Point("q", 2),))
    other = Box("o", [])
    held = (box,)  # one object met again: after `box` in the same value, a reference to it; after `other`, number 1
    values = [(shared, held, box), [shared, (box, shared)], {"k": (shared, held)}, [box, held], (other, held),
              held, shared]
    for limit in (100_000, 2):
        monkeypatch.setattr(safeencoder, "MEMO_MAX", limit)
        batch = CODEC.batch_encoder()
        assert [batch(v) for v in values] == [CODEC.encode(v) for v in values]
        assert [CODEC.decode(batch(v)) for v in values] == values


def test_a_batch_of_real_summaries_encodes_as_one_by_one() -> None:
    """Summaries made in one process share their names and constants (sharing.py): the batch
    encoder meets them again and again, across functions and files."""
    from pathlib import Path

    from greenit_async_lint.analysis.discovery import DEFAULT_EXCLUDE, Excluder, collect
    from greenit_async_lint.analysis.summarize import summarize

    root = Path(__file__).resolve().parent.parent / "fixtures"
    files = collect([root], Excluder(DEFAULT_EXCLUDE, root, True), root)[:200]
    summaries = [summarize(f.path.read_bytes(), f.display, f.module, f.is_package) for f in files]
    batch = loader.JSON_CODEC.batch_encoder()
    assert len(summaries) > 50
    assert [batch(s) for s in summaries] == [loader.JSON_CODEC.encode(s) for s in summaries]

"""PatternTable remembers a name's glob answer (a project asks about the same names many times)."""
from __future__ import annotations

import re

import pytest

from greenit_async_lint.catalogue.patterns import PatternTable


class _Counting:
    """A compiled glob that counts how often it is tried."""

    def __init__(self, pattern: str) -> None:
        self.regex = re.compile(pattern)
        self.tries = 0

    def match(self, name: str) -> object:
        self.tries += 1
        return self.regex.match(name)


def test_glob_answer_is_remembered_per_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from greenit_async_lint.catalogue import patterns
    counting = _Counting(r"requests\..*")
    monkeypatch.setattr(patterns, "_glob_test", lambda _pattern: counting.match)
    table: PatternTable[str] = PatternTable([("*.get", "remote"), ("subprocess.run", "process")])
    for _ in range(5):
        assert table.match("requests.get") == "remote"
        assert table.match("cache.get") is None
        assert table.match("json.dumps") is None
        assert table.match("subprocess.run") == "process"
    # once for each name the exact table does not hold and that may match (`json.dumps` cannot:
    # its last segment is not `get`)
    assert counting.tries == 2


def test_adding_a_pattern_forgets_the_remembered_answers() -> None:
    table: PatternTable[str] = PatternTable([("requests.*", "remote")])
    assert table.match("boto3.client") is None
    table.add("boto3.*", "cloud")
    assert table.match("boto3.client") == "cloud"
    table.add("requests.get", "exact")
    assert table.match("requests.get") == "exact"  # an exact name still wins over a remembered glob
    first: PatternTable[str] = PatternTable([("a.*", "first"), ("a.b*", "second")])
    assert first.match("a.bc") == "first" and first.match("a.bc") == "first"  # declared order kept


def test_globs_answer_as_fnmatch_and_are_compiled_only_when_asked() -> None:
    """Prefix and suffix globs are tested with str methods, the others with fnmatch's regex:
    the answers are fnmatchcase's, first declared glob first."""
    import fnmatch

    globs = ["requests.*", "*.objects", "a.*.b", "x?y", "[ab].c*", "*", "*.", "django.db*.get", "q*"]
    names = ["requests.get", "requests.", "requests", "m.objects", ".objects", "objects", "a.x.b", "a..b",
             "xzy", "xy", "a.c", "b.cd", "c.c", "", "django.db.models.get", "Requests.get", "q\nz", "x.y"]
    for glob in globs:
        table: PatternTable[str] = PatternTable([(glob, glob)])
        assert table._tests is None  # nothing compiled while the catalogue is built
        for name in names:
            assert (table.match(name) == glob) == fnmatch.fnmatchcase(name, glob), (glob, name)
    table = PatternTable([(g, g) for g in globs])
    for name in names:
        assert table.match(name) == next((g for g in globs if fnmatch.fnmatchcase(name, g)), None), name


def test_star_globs_match_as_fnmatch_on_any_text() -> None:
    """Globs whose only wildcard is `*` are matched piece by piece, without a regular expression:
    the answers must stay fnmatchcase's, repeated and adjacent stars and newlines included."""
    import fnmatch

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from greenit_async_lint.catalogue.patterns import _stars_test

    @settings(max_examples=1000, deadline=None)
    @given(st.text("ab.*", max_size=8).filter(lambda g: "*" in g), st.text("ab.\n", max_size=10))
    def check(glob: str, name: str) -> None:
        assert _stars_test(glob)(name) == fnmatch.fnmatchcase(name, glob), (glob, name)

    check()
    for glob, name, expected in [("*.objects.*.all", "m.objects.filter.all", True), ("a*b*c", "acb", False),
                                 ("a*a", "a", False), ("a**b", "ab", True), ("*.*", "x", False)]:
        assert _stars_test(glob)(name) is expected, (glob, name)


def test_globs_try_only_the_candidates_of_a_name() -> None:
    """Globs are filed by the first or last plain segment every name they match has: a name tries
    those of its own segments and the ones filed nowhere, and the answer is still fnmatchcase's,
    first declared glob first."""
    import fnmatch

    from hypothesis import given, settings
    from hypothesis import strategies as st

    globs = ["boto3.client.*", "*.objects.*.all", "*.all", "boto3.*.all", "*", "a?.b", "*write*", "x.[ab]", "a.b*"]
    table: PatternTable[str] = PatternTable([(g, g) for g in globs])
    from greenit_async_lint.catalogue import patterns
    index = patterns._GlobIndex(table._globs)
    assert [v for _t, v in index.candidates("boto3", "get")] == ["boto3.client.*", "boto3.*.all", "*", "*write*"]
    assert [v for _t, v in index.candidates("m", "all")] == ["*.objects.*.all", "*.all", "*", "*write*"]
    assert [v for _t, v in index.candidates("a1", "b")] == ["*", "a?.b", "*write*"]

    @settings(max_examples=1000, deadline=None)
    @given(st.lists(st.text("ab.*?", min_size=1, max_size=6), min_size=1, max_size=6), st.text("ab.\n", max_size=8))
    def check(patterns_: list[str], name: str) -> None:
        table_: PatternTable[str] = PatternTable([(g, g) for g in patterns_])
        exact = name if name in patterns_ else None
        expected = exact or next((g for g in patterns_ if "*" in g or "?" in g if fnmatch.fnmatchcase(name, g)), None)
        assert table_.match(name) == expected, (patterns_, name)

    check()


def test_any_of_matches_a_name_when_one_of_the_tables_does() -> None:
    first = PatternTable([("celery.*.delay", "queue"), ("rq.Queue.enqueue", "queue")])
    second = PatternTable([("asyncio.to_thread", 1), ("*.run_in_executor", 2)])
    either = PatternTable.any_of([first, second])
    names = ["celery.app.task.delay", "rq.Queue.enqueue", "asyncio.to_thread", "loop.run_in_executor",
             "requests.get", "rq.Queue", "asyncio.sleep"]
    assert [either.match(n) for n in names] == [True, True, True, True, None, None, None]
    assert [either.match(n) is not None for n in names] == \
        [first.match(n) is not None or second.match(n) is not None for n in names]
    assert PatternTable.any_of([]).match("anything") is None

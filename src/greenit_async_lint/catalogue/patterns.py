"""Qualified-name patterns: exact names and fnmatch globs, matched in declaration order.

The catalogues hold thousands of patterns and the engine asks about every call a handler reaches,
so exact names go in a dict and the globs are made into tests when a name first reaches them (a
run answered from the result cache asks nothing, and the catalogue is built on every run), filed
by the first or last segment every name they match has, so that a name tries only the few that
may match it. A glob that is a prefix or a suffix (`requests.*`, `*.objects`) is a str.startswith
or str.endswith, one whose only wildcard is `*` is matched piece by piece, and only the others
(`?`, `[...]`) are compiled as regular expressions.
"""
from __future__ import annotations

import fnmatch
import re
from operator import methodcaller
from typing import Any, Callable, Generic, Iterable, Optional, TypeVar

T = TypeVar("T")
_UNSEEN = object()


def is_glob(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern or "[" in pattern


class PatternTable(Generic[T]):
    """Maps qualified-name patterns to values: an exact name first, else the first declared glob."""

    def __init__(self, entries: Iterable[tuple[str, T]] = ()) -> None:
        self._exact: dict[str, tuple[int, T]] = {}
        self._globs: list[tuple[str, T]] = []  # in declaration order
        self._tests: Optional[_GlobIndex[T]] = None  # the globs, compiled
        # The globs a name can match, in declaration order, by the name's first and last segments
        # (see _GlobIndex): the work catalogue's 216 globs were all tried for every new name
        # (indico: 100,000 first asks; 0.8 % of its analysing run's instructions).
        self._candidates: dict[tuple[str, str], list[tuple[Callable[[str], object], T]]] = {}
        self._count = 0
        self._declared: list[str] = []
        # Every name's answer in one dict, the exact names' from the start and the others' once the
        # globs were tried for them: a project asks about the same few thousand names over and over
        # (tens of thousands of calls), and one lookup answers each.
        self._answers: dict[str, T | None] = {}
        self._memoised = False  # it holds glob answers, which a new pattern may change
        for pattern, value in entries:
            self.add(pattern, value)

    def add(self, pattern: str, value: T) -> None:
        order = self._count
        self._count += 1
        self._declared.append(pattern)
        if self._memoised:
            self._answers = {name: value for name, (_order, value) in self._exact.items()}
            self._memoised = False
        if is_glob(pattern):
            self._globs.append((pattern, value))
            self._tests = None
            self._candidates.clear()
        elif pattern not in self._exact:
            self._exact[pattern] = (order, value)
            self._answers[pattern] = value

    def match(self, name: str) -> T | None:
        # An exact name is more specific than any glob; among globs the first declared wins.
        found = self._answers.get(name, _UNSEEN)
        if found is not _UNSEEN:
            return found  # type: ignore[return-value]
        head, last = name.partition(".")[0], name.rpartition(".")[2]
        tests = self._candidates.get((head, last))
        if tests is None:
            index = self._tests
            if index is None:
                index = self._tests = _GlobIndex(self._globs)
            tests = self._candidates[(head, last)] = index.candidates(head, last)
        found = next((value for test, value in tests if test(name)), None)
        self._answers[name] = found
        self._memoised = True
        return found

    def patterns(self) -> list[str]:
        return list(self._declared)

    @staticmethod
    def any_of(tables: Iterable["PatternTable[Any]"]) -> "PatternTable[bool]":
        """One table that matches a name (True) when any of `tables` does: most names asked about
        match none, which one lookup then says instead of one per table."""
        return PatternTable((pattern, True) for table in tables for pattern in table.patterns())

    def __contains__(self, name: str) -> bool:
        return self.match(name) is not None

    def __len__(self) -> int:
        return self._count


class _GlobIndex(Generic[T]):
    """The compiled globs by what every name they match must have: a glob that starts with a
    plain segment (`boto3.client.*`) matches only names whose first segment is that one, and a glob
    that ends with one (`*.objects.*.all`) only names whose last segment is that one; the others
    (`xlsxwriter.*.write*` is the first kind, `*` and `*write*` are neither) may match any name."""

    def __init__(self, globs: list[tuple[str, T]]) -> None:
        # (declaration order, test, value)
        self.by_head: dict[str, list[tuple[int, Callable[[str], object], T]]] = {}
        self.by_last: dict[str, list[tuple[int, Callable[[str], object], T]]] = {}
        self.anywhere: list[tuple[int, Callable[[str], object], T]] = []
        for order, (pattern, value) in enumerate(globs):
            entry = (order, _glob_test(pattern), value)
            head, dot, _rest = pattern.partition(".")
            if dot and not is_glob(head):
                self.by_head.setdefault(head, []).append(entry)
                continue
            _rest, dot, last = pattern.rpartition(".")
            if dot and not is_glob(last):
                self.by_last.setdefault(last, []).append(entry)
            else:
                self.anywhere.append(entry)
        # Without the order: what a name with neither a filed first nor last segment tries.
        self._anywhere = [(test, value) for _order, test, value in self.anywhere]

    def candidates(self, head: str, last: str) -> list[tuple[Callable[[str], object], T]]:
        """The globs that may match a name with these first and last segments, first declared first."""
        by_head, by_last = self.by_head.get(head), self.by_last.get(last)
        if by_head is None and by_last is None:
            # Most names (the project's own: indico asked for 41,000 pairs) have neither: one
            # shared list, not a sorted copy per pair.
            return self._anywhere
        entries = sorted([*(by_head or ()), *(by_last or ()), *self.anywhere], key=lambda entry: entry[0])
        return [(test, value) for _order, test, value in entries]


def _glob_test(pattern: str) -> Callable[[str], object]:
    """A predicate true of the names `re.compile(fnmatch.translate(pattern)).match` matches."""
    if pattern.endswith("*") and not is_glob(pattern[:-1]):
        return methodcaller("startswith", pattern[:-1])
    if pattern.startswith("*") and not is_glob(pattern[1:]):
        return methodcaller("endswith", pattern[1:])
    if "?" not in pattern and "[" not in pattern:
        return _stars_test(pattern)
    return re.compile(fnmatch.translate(pattern)).match


def _stars_test(pattern: str) -> Callable[[str], bool]:
    """A glob whose only wildcard is `*` (almost every catalogue glob: `*.objects.*.all`), matched
    piece by piece. Compiling the work catalogue's globs as regular expressions took about 17 ms
    of every run that analyses. Taking each middle piece at its leftmost place is enough: a later
    place would leave less of the name for the pieces after it."""
    first, *middle, last = pattern.split("*")
    fixed = len(first) + len(last)

    def test(name: str) -> bool:
        if len(name) < fixed or not name.startswith(first) or not name.endswith(last):
            return False
        at, end = len(first), len(name) - len(last)
        for piece in middle:
            found = name.find(piece, at, end)
            if found < 0:
                return False
            at = found + len(piece)
        return True
    return test


def tail(pattern: str) -> str:
    """Last dotted segment of a pattern: what a call site's text must end with to match it."""
    return pattern.rsplit(".", 1)[-1]


def tails(patterns: Iterable[str]) -> set[str] | None:
    """The set of last segments, or None when one of them is a glob (then any tail may match)."""
    out: set[str] = set()
    for pattern in patterns:
        last = tail(pattern)
        if is_glob(last):
            return None
        out.add(last)
    return out

"""PatternTable remembers a name's glob answer (a project asks about the same names many times)."""
from __future__ import annotations

import re

from greenit_async_lint.catalogue.patterns import PatternTable


class _Counting:
    """A compiled glob that counts how often it is tried."""

    def __init__(self, pattern: str) -> None:
        self.regex = re.compile(pattern)
        self.tries = 0

    def match(self, name: str) -> object:
        self.tries += 1
        return self.regex.match(name)


def test_glob_answer_is_remembered_per_name() -> None:
    table: PatternTable[str] = PatternTable([("requests.*", "remote"), ("subprocess.run", "process")])
    order, _regex, value = table._globs[0]
    counting = _Counting(r"requests\..*")
    table._globs[0] = (order, counting, value)  # type: ignore[assignment]
    for _ in range(5):
        assert table.match("requests.get") == "remote"
        assert table.match("json.dumps") is None
        assert table.match("subprocess.run") == "process"
    assert counting.tries == 2  # once for each name the exact table does not hold


def test_adding_a_pattern_forgets_the_remembered_answers() -> None:
    table: PatternTable[str] = PatternTable([("requests.*", "remote")])
    assert table.match("boto3.client") is None
    table.add("boto3.*", "cloud")
    assert table.match("boto3.client") == "cloud"
    table.add("requests.get", "exact")
    assert table.match("requests.get") == "exact"  # an exact name still wins over a remembered glob
    first: PatternTable[str] = PatternTable([("a.*", "first"), ("a.b*", "second")])
    assert first.match("a.bc") == "first" and first.match("a.bc") == "first"  # declared order kept

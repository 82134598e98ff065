"""What a catalogued call gives back is not the thing it was called on.

Outside values are named by the path that reached them, so the value a call returns keeps the
call's name: `app.control.inspect().ping()` is `celery.Celery.control.inspect.ping`, and a call on
that result, `ping.items()`, is named `celery.Celery.control.inspect.ping.items`. A catalogue glob
written for the methods of a client (`celery.Celery.control.inspect.*`, `requests.Session.*`) then
matches the result's own methods too, and the dict the broadcast returned, or the response a GET
returned, reads as a second broadcast or a second request.

A call made on the result of a catalogued call (or on an attribute a glob matched) is therefore
work only when the catalogue names that result explicitly: an entry whose last part names the
method (`smtplib.SMTP.sendmail` on the connection `smtplib.SMTP` opened, `pandas.read_*.groupby`
on the frame a read gave), or a pattern whose fixed part reaches past the result's name (`ftplib.FTP`
and `ftplib.FTP.*`). A constructor gives an instance of its class, so the class's glob still names
what is called on it: a class by the language's naming conventions, a capitalised name
(`s3.Bucket(name)`), or an alternate constructor (`redis.Redis.from_url`, as `dict.fromkeys`). A result that maps to a type
(`rules/offloads.yaml` `types`) already carries that type's name and is not concerned, nor are rows
and querysets of a project model (a value with a subject: their chains are read by the instance
and volume rules).
"""
from __future__ import annotations

from ..catalogue.patterns import PatternTable, is_glob, tail
from ..catalogue.work import WorkCatalogue, WorkEntry

_CONSTRUCTOR_PREFIX = "from"  # `Redis.from_url(...)` is a Redis: its result is the receiver's class


def _fixed_part(pattern: str) -> str:
    """The part of a pattern before its first wildcard (all of it for an exact name)."""
    for i, ch in enumerate(pattern):
        if ch in "*?[":
            return pattern[:i]
    return pattern


class CatalogueResults:
    def __init__(self, work: WorkCatalogue) -> None:
        self.work = work
        table: PatternTable[WorkEntry] = work.table
        patterns = table.patterns()
        # Entries that name the method itself (their last part is no wildcard).
        self._methods: PatternTable[bool] = PatternTable((p, True) for p in patterns if not is_glob(tail(p)))
        # Every dotted name some pattern's fixed part reaches past: what the catalogue knows the
        # result of (`ftplib.FTP` for `ftplib.FTP.*`, `smtplib.SMTP` for `smtplib.SMTP.sendmail`).
        named: set[str] = set()
        for pattern in patterns:
            fixed = _fixed_part(pattern)
            dot = fixed.find(".")
            while dot != -1:
                named.add(fixed[:dot])
                dot = fixed.find(".", dot + 1)
        self._named = frozenset(named)

    def on_result(self, name: str) -> bool:
        """Whether the call `name` is only matched because it is made on the result of a catalogued
        call that the catalogue says nothing more about (then it is not that work again)."""
        if self._methods.match(name):
            return False
        receiver, dot, _ = name.rpartition(".")
        last = receiver.rpartition(".")[2]
        if not dot or receiver in self._named or last[:1].isupper() or last.startswith(_CONSTRUCTOR_PREFIX):
            return False
        return self.work.match(receiver) is not None

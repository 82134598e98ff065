"""A check reads the catalogue once: the fix layer reuses the report's catalogue, extended by the
configuration or not (the remedies of the user's queues and frameworks come from it, see
test_fix_user_queue.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from fixtools import FIXTURES
from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.catalogue import load as catalogue_load
from greenit_async_lint.config import Config
from greenit_async_lint.fix import attach_fixes, rules


def _count_loads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    calls: list[object] = []
    real = catalogue_load.load_catalogue

    def counted(extra=None, sources=None):  # type: ignore[no-untyped-def]
        calls.append(extra)
        return real(extra, sources)
    monkeypatch.setattr(catalogue_load, "load_catalogue", counted)
    monkeypatch.setattr(catalogue_load, "_DEFAULT", None)
    monkeypatch.setattr(rules, "_LOADED", {})
    return calls


@pytest.mark.parametrize("config, loads", [(Config(cache=False, jobs=1), 1),
                                           (Config(cache=False, jobs=1, heavy_calls=["mylib.crunch"]), 1)])
def test_the_catalogue_is_read_once_even_when_configuration_extends_it(monkeypatch: pytest.MonkeyPatch,
                                                                    config: Config, loads: int) -> None:
    app: Path = FIXTURES / "django_exports"
    calls = _count_loads(monkeypatch)
    report = analyse(["."], config, cwd=app)
    attach_fixes(report, cwd=app)
    assert report.findings and all(f.fix for f in report.findings)
    assert len(calls) == loads


def test_the_reused_catalogue_gives_the_same_fixes() -> None:
    app = FIXTURES / "django_exports"
    report = analyse(["."], Config(cache=False, jobs=1), cwd=app)
    attach_fixes(report, cwd=app)
    mine = [f.fix for f in report.findings]
    shipped = rules.load_remedies()  # what attach_fixes used before: the shipped catalogue's remedies
    reused = rules.load_remedies(report.catalogue)
    assert [r.title for r in shipped.remedies] == [r.title for r in reused.remedies]
    assert [q.name for q in shipped.queues] == [q.name for q in reused.queues]
    assert sorted(shipped.frameworks) == sorted(reused.frameworks)
    assert mine

"""parallel.py: findings are planned in two processes, each starting with a share of its own and
taking what the other has not started when it is done, and the fixes are the ones one process
plans; what a child that fails did not send, this process plans."""
from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from greenit_async_lint.fix import parallel
from greenit_async_lint.fix.remedies import attach_fixes

from fixtools import FIXTURES, analyse, copy_project


def _fixes(app: Path, jobs: int) -> list[object]:
    report = analyse(app)
    report.options = dataclasses.replace(report.options, jobs=jobs)
    attach_fixes(report, diffs=True, cwd=app, cache_dir=app.parent / f"cache-{jobs}-{os.getpid()}")
    return [(f.path, f.line, f.code, f.fix) for f in report.findings]


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return copy_project(FIXTURES / "fastapi_media", tmp_path / "app")


class Shares:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[object] = []
        real = parallel.split

        def split(pending, size):  # type: ignore[no-untyped-def]
            shares = real(pending, size)
            self.seen.append(shares)
            return shares

        monkeypatch.setattr(parallel, "split", split)


def test_two_processes_plan_what_one_plans(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alone = _fixes(app, jobs=1)
    shares = Shares(monkeypatch)
    assert _fixes(app, jobs=2) == alone
    assert len(shares.seen) == 1 and shares.seen[0] is not None and all(shares.seen[0])
    assert any(fix["diff"] for *_, fix in alone)  # type: ignore[index]


def test_a_failed_child_leaves_its_share_to_this_process(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alone = _fixes(app, jobs=1)
    here = os.getpid()
    real = parallel.plan

    def plan(planner, pending):  # type: ignore[no-untyped-def]
        if os.getpid() != here:
            raise RuntimeError("the child breaks")
        return real(planner, pending)

    monkeypatch.setattr(parallel, "plan", plan)
    assert _fixes(app, jobs=2) == alone


def _finding(handler: str, *hops: str) -> SimpleNamespace:
    return SimpleNamespace(handler=SimpleNamespace(path=handler), chain=[SimpleNamespace(path=h) for h in hops],
                           path=handler)


def test_findings_that_share_a_file_are_planned_in_one_process() -> None:
    pending = [(_finding("a.py", "util.py"), None), (_finding("b.py"), None), (_finding("c.py", "util.py"), None),
               (_finding("d.py"), None), (_finding("b.py", "e.py"), None)]
    sizes = {"a.py": 10, "b.py": 10, "c.py": 10, "d.py": 5000, "e.py": 10, "util.py": 10}
    shares = parallel.split(pending, sizes.__getitem__)  # type: ignore[arg-type]
    assert shares is not None
    # The large file alone (the work, not the count, is shared); groups heaviest first.
    assert sorted(shares, key=len) == [[[3]], [[0, 2], [1, 4]]]
    assert parallel.split([(_finding("a.py", "util.py"), None), (_finding("b.py", "util.py"), None)],  # type: ignore[list-item]
                          sizes.__getitem__) is None

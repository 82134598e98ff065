"""The primer's cache paths (eval/cachepaths.py): a fixture application's warm and edited runs
through the caches report what `--no-cache` reports, and a cached report that differs is named."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "eval"))
import cachepaths  # noqa: E402


@pytest.fixture()
def shop(tmp_path: Path) -> Path:
    tree = tmp_path / "shop"
    shutil.copytree(FIXTURES / "flask_shop", tree)
    return tree


def test_the_cached_runs_of_a_fixture_app_report_what_no_cache_does(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = cachepaths._report
    runs: list[str] = []

    def spy(python: str, tree: Path, root: str, out: Path, *options: str) -> dict[str, Any]:
        runs.append(out.stem)
        return real(python, tree, root, out, *options)

    monkeypatch.setattr(cachepaths, "_report", spy)
    before = {p: p.read_bytes() for p in shop.rglob("*.py")}
    assert cachepaths.check_cache_paths(sys.executable, shop, ".") == []
    assert runs == ["fresh", "cold", "warm", "comment", "comment-fresh", "code", "code-fresh"]
    assert {p: p.read_bytes() for p in shop.rglob("*.py")} == before  # the tree is left as it was
    assert not (shop / ".greenit-cache").exists()


def test_a_cached_report_that_differs_is_named_with_its_first_differing_finding(
        shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = cachepaths._report

    def stale_warm_run(python: str, tree: Path, root: str, out: Path, *options: str) -> dict[str, Any]:
        report = real(python, tree, root, out, *options)
        if out.name == "warm.json":  # as if the result cache answered with an older report
            report["findings"][0]["line"] += 1
        return report

    monkeypatch.setattr(cachepaths, "_report", stale_warm_run)
    problems = cachepaths.check_cache_paths(sys.executable, shop, ".")
    assert len(problems) == 1 and problems[0].startswith("warm: findings (")
    assert '"line"' in problems[0]

"""Every fixture app reports exactly the findings annotated in it (`# GAL101` at the end of a line)."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, expected_findings

APPS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())


@pytest.mark.parametrize("app", APPS, ids=[p.name for p in APPS])
def test_fixture_app_reports_exactly_its_annotations(app: Path, run_check) -> None:
    report = run_check(app)
    actual = {(f.path, f.line, f.code) for f in report.findings}
    expected = expected_findings(app)
    missing = sorted(expected - actual)
    unexpected = sorted(actual - expected)
    details = "\n".join(f"  {f.path}:{f.line} {f.code} {f.message}" for f in report.findings
                        if (f.path, f.line, f.code) in set(unexpected))
    assert not missing and not unexpected, f"missing: {missing}\nunexpected: {unexpected}\n{details}"


def test_every_fixture_app_has_handlers_and_annotations() -> None:
    """A fixture that finds no handler would pass the test above while proving nothing."""
    from greenit_async_lint.config import Config
    from greenit_async_lint.analysis.engine import analyse

    for app in APPS:
        report = analyse(["."], Config(cache=False, jobs=1), cwd=app)
        assert report.handlers, f"{app.name}: no handler found"
        assert expected_findings(app), f"{app.name}: no expected finding annotated"

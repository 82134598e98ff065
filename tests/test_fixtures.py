"""Every fixture app reports exactly the findings annotated in it, severity included
(`# GAL101!` a violation, `# GAL106?` a warning, at the end of a line)."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, AnnotationError, actual_findings, expected_findings, expected_in_text

APPS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())


@pytest.mark.parametrize("app", APPS, ids=[p.name for p in APPS])
def test_fixture_app_reports_exactly_its_annotations(app: Path, run_check) -> None:
    report = run_check(app)
    actual = actual_findings(report)
    expected = expected_findings(app)
    missing = sorted(expected - actual)
    unexpected = sorted(actual - expected)
    details = "\n".join(f"  {f.path}:{f.line} {f.code} {f.severity} {f.message}" for f in report.findings
                        if (f.path, f.line, f.code, f.severity) in set(unexpected))
    assert not missing and not unexpected, f"missing: {missing}\nunexpected: {unexpected}\n{details}"


def test_every_fixture_app_has_handlers_and_annotations() -> None:
    """A fixture that finds no handler would pass the test above while proving nothing."""
    from greenit_async_lint.config import Config
    from greenit_async_lint.analysis.engine import analyse

    for app in APPS:
        report = analyse(["."], Config(cache=False, jobs=1), cwd=app)
        assert report.handlers, f"{app.name}: no handler found"
        assert expected_findings(app), f"{app.name}: no expected finding annotated"


def test_the_fixture_apps_expect_both_severities() -> None:
    """Severity is compared, so the annotations must exercise both sides of the gate."""
    severities = {e.severity for app in APPS for e in expected_findings(app)}
    assert {"violation", "warning"} <= severities


@pytest.mark.parametrize("line, expected", [
    ("run(path)  # GAL101!", [("GAL101", "violation")]),
    ("run(path)  # GAL101! GAL105?", [("GAL101", "violation"), ("GAL105", "warning")]),
    ("run(path)  # GAL101!, GAL106?", [("GAL101", "violation"), ("GAL106", "warning")]),
    ("def broken(:  # GAL901!!", [("GAL901", "error")]),
    ("run(path)  # noqa: GAL101", []),
    ("run(path)", []),
])
def test_annotation_syntax(line: str, expected: list) -> None:
    assert [(e.code, e.severity) for e in sorted(expected_in_text(line), key=lambda e: e.code)] == expected


@pytest.mark.parametrize("line", ["run(path)  # GAL101", "run(path)  # GAL101! GAL105", "run(path)  # GAL101!?",
                                  "run(path)  # GAL101*"])
def test_an_annotation_without_a_valid_marker_is_an_error(line: str) -> None:
    """An unmarked code would otherwise expect nothing and the line's finding would look unexpected."""
    with pytest.raises(AnnotationError, match="severity marker"):
        expected_in_text(line)

"""render() and FORMATS: every format renders every kind of report without touching it."""
from __future__ import annotations

import copy

import pytest

from greenit_async_lint.reporting import FORMATS, render
from greenit_async_lint.reporting.merge import merge_reports


def test_formats_are_the_documented_ones():
    assert FORMATS == ("sarif", "junit", "github", "markdown", "html", "gitlab")


def test_unknown_format_names_the_known_ones(static_report):
    with pytest.raises(ValueError, match="sarif, junit, github, markdown, html, gitlab"):
        render(static_report, "pdf")


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_does_not_modify_the_report(static_report, fmt):
    before = copy.deepcopy(static_report)
    text = render(static_report, fmt)
    assert text.endswith("\n") and len(text) > 50
    assert static_report == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_minimal_merged_and_runtime_only_reports(static_report, runtime_report, fmt):
    minimal = {"version": 1, "kind": "static", "findings": []}
    assert render(minimal, fmt)
    assert render(merge_reports([static_report, runtime_report]), fmt)
    runtime_only = merge_reports([runtime_report])
    assert "run_billing" in render(runtime_only, fmt) or fmt == "gitlab" and "billing/views.py" in render(runtime_only, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_names_each_violation_location(static_report, fmt):
    text = render(static_report, fmt)
    for finding in static_report["findings"]:
        assert finding["path"] in text, (fmt, finding["path"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_raw_runtime_report_renders_like_its_merge(runtime_report, fmt):
    assert render(runtime_report, fmt) == render(merge_reports([runtime_report]), fmt)
    assert "GAL301" in render(runtime_report, fmt) or fmt == "markdown" and "run_billing" in render(runtime_report, fmt)

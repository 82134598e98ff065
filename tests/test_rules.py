"""Every rule: its good and bad examples run, its doc page is current, its code is well formed."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, expected_findings, expected_in_text
from greenit_async_lint.catalogue import default_catalogue
from greenit_async_lint.config import Config
from greenit_async_lint.docs import render_all
from greenit_async_lint.analysis.engine import analyse

CODES = default_catalogue().codes
RUNNABLE = sorted(c for c, info in CODES.items() if info.bad.strip())


def _run(tmp_path: Path, source: str, config: dict) -> set[tuple[int, str, str]]:
    """(line, code, severity) of every finding in the example."""
    (tmp_path / "example.py").write_text(source, "utf-8")
    report = analyse(["."], Config.from_mapping({**config, "cache": False, "jobs": 1}), cwd=tmp_path)
    return {(f.line, f.code, f.severity) for f in report.findings}


@pytest.mark.parametrize("code", RUNNABLE)
def test_bad_example_reports_its_code_on_the_marked_lines(code: str, tmp_path: Path) -> None:
    info = CODES[code]
    expected = {(e.line, e.code, e.severity) for e in expected_in_text(info.bad)}
    assert any(c == code for _l, c, _s in expected), f"{code}'s bad example marks no line with {code}"
    assert _run(tmp_path, info.bad, info.config) == expected


@pytest.mark.parametrize("code", sorted(c for c, info in CODES.items() if info.good.strip()))
def test_good_example_reports_nothing(code: str, tmp_path: Path) -> None:
    info = CODES[code]
    assert _run(tmp_path, info.good, info.config) == set()


def test_every_work_and_offload_rule_has_both_examples() -> None:
    for code, info in CODES.items():
        if code.startswith(("GAL1", "GAL2")):
            assert info.bad.strip() and info.good.strip(), code


def test_codes_are_flake8_compatible_and_names_are_kebab_case() -> None:
    for code, info in CODES.items():
        assert re.fullmatch(r"[A-Z]{1,3}[0-9]{3}", code), code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", info.name), info.name


def test_doc_pages_match_the_code_table() -> None:
    folder = REPO / "docs" / "rules"
    rendered = render_all()
    on_disk = {p.name for p in folder.glob("*.md")}
    assert on_disk == set(rendered), "run `python -m greenit_async_lint.docs` to regenerate docs/rules"
    for name, content in rendered.items():
        assert (folder / name).read_text("utf-8") == content, f"docs/rules/{name} is stale: regenerate it"


def test_every_work_and_offload_code_is_exercised_by_a_fixture_app() -> None:
    annotated = {e.code for app in FIXTURES.iterdir() if app.is_dir() for e in expected_findings(app)}
    missing = sorted(c for c in CODES if c.startswith(("GAL1", "GAL2")) and c not in annotated and c != "GAL113")
    assert not missing, f"codes no fixture app exercises: {missing}"


def test_every_family_in_the_work_catalogue_has_a_code() -> None:
    import yaml
    import importlib.resources

    work = yaml.safe_load(importlib.resources.files("greenit_async_lint.rules").joinpath("work.yaml").read_text())
    families = {entry["family"] for entry in work} | {u["family"] for e in work for u in e.get("upgrades", [])}
    assert families <= set(default_catalogue().family_code)

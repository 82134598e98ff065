"""The engine reads analysis options, not the front end's whole configuration (issue 14): the gate's
settings do not reach it, so changing them reuses the cached result, while every option that
changes what is reported gives a fresh analysis."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from greenit_async_lint.analysis import engine
from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.analysis.options import AnalysisOptions
from greenit_async_lint.config import Config

APP = '''\
import subprocess
from flask import Flask

app = Flask(__name__)


@app.route("/convert")
def convert():
    subprocess.run(["soffice", "--convert-to", "pdf", "in.docx"])
    return "ok"
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    return tmp_path


@pytest.fixture
def analyses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the runs that analysed files instead of answering from the result cache."""
    runs: list[int] = []
    real_load = engine.load

    def counting_load(*args, **kwargs):  # type: ignore[no-untyped-def]
        runs.append(1)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(engine, "load", counting_load)
    return runs


def _found(report: engine.Report) -> list[tuple[str, int, str, str]]:
    return [(f.path, f.line, f.code, f.severity) for f in report.findings]


def test_config_and_its_options_give_the_same_report(project: Path) -> None:
    config = Config(cache=False, jobs=1)
    from_config = analyse(["."], config, cwd=project)
    from_options = analyse(["."], config.analysis_options(), cwd=project)
    assert _found(from_config) == _found(from_options) != []
    assert from_config.config is config  # handed back for the front end that renders it
    assert from_config.options == config.analysis_options()


def test_gate_settings_reuse_the_cached_result(project: Path, analyses: list[int]) -> None:
    first = analyse(["."], Config(jobs=1), cwd=project)
    gated = Config(jobs=1, max_violations=5, fail_on="warning", docs_url="https://example.org/{code}")
    second = analyse(["."], gated, cwd=project)
    assert analyses == [1]
    assert _found(second) == _found(first) != []
    assert second.config is gated


@pytest.mark.parametrize("change", [
    {"max_depth": 1}, {"loop_amplification": False}, {"ignore": ["GAL1"]}, {"select": ["GAL2"]},
    {"max_file_bytes": 10}, {"exclude": ["app.py"]},
])
def test_options_that_change_the_result_miss_the_cache(project: Path, analyses: list[int],
                                                        change: dict[str, object]) -> None:
    analyse(["."], Config(jobs=1), cwd=project)
    changed = analyse(["."], Config(jobs=1, **change), cwd=project)  # type: ignore[arg-type]
    assert analyses == [1, 1]
    fresh = analyse(["."], replace(Config(jobs=1, **change).analysis_options(), cache=False),  # type: ignore[arg-type]
                    cwd=project)
    assert _found(changed) == _found(fresh)


def test_options_select_and_ignore_codes() -> None:
    options = AnalysisOptions(select=("GAL1",), ignore=("GAL105",))
    assert options.selected("GAL101")
    assert not options.selected("GAL105")
    assert not options.selected("GAL201")
    assert AnalysisOptions().selected("GAL901")

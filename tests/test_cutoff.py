"""Early cutoff (analysis/cutoff.py): an edit that changes no summary keeps the result held, without
the analysis; any edit the analysis could see runs it again."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from greenit_async_lint.analysis import cutoff, engine, loader, safestore
from greenit_async_lint.config import Config

VIEWS = ("from flask import Flask\nimport time\n\napp = Flask(__name__)\n\n\n"
         "@app.get('/slow')\ndef slow():\n    time.sleep(5)\n    return 'ok'\n")


@pytest.fixture(autouse=True)
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setattr(safestore, "_KEY", None)
    yield
    loader.finish()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "views.py").write_text(VIEWS)
    (root / "app" / "util.py").write_text("def helper():\n    return 1\n")
    return root


def _findings(report) -> list[tuple[str, int, str]]:  # type: ignore[no-untyped-def]
    return [(f.path, f.line, f.code) for f in report.findings]


def _analyses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the whole analyses run from now on (each builds the project's index once)."""
    runs: list[int] = []
    engine._bind_analysis()
    real = engine.ProjectIndex
    monkeypatch.setattr(engine, "ProjectIndex", lambda project: runs.append(1) or real(project))
    return runs


def _edit(path: Path, text: str) -> None:
    path.write_text(text)
    stat = path.stat()  # a new modification time, as an editor's save gives
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


@pytest.mark.parametrize("edit", [
    lambda text: text + "# a comment at the end\n",
    lambda text: text.replace("def slow():", "def slow():  # the slow one"),
    lambda text: text + "\n\n\n",
])
def test_an_edit_no_summary_sees_keeps_the_result_without_analysing(project: Path, monkeypatch, edit) -> None:
    config = Config(jobs=1)
    expected = _findings(engine.analyse(["."], config, cwd=project))
    assert expected
    runs = _analyses(monkeypatch)
    views = project / "app" / "views.py"
    _edit(views, edit(views.read_text()))
    report = engine.analyse(["."], config, cwd=project)
    assert runs == [] and _findings(report) == expected
    assert _findings(engine.analyse(["."], config, cwd=project)) == expected and runs == []  # now a plain hit


@pytest.mark.parametrize("edit, expect_findings", [
    (lambda text: text.replace("time.sleep(5)", "time.sleep(5)  # noqa"), False),  # a noqa is read
    (lambda text: text.replace("time.sleep(5)", "pass"), False),
    (lambda text: text.replace("def slow():\n", 'def slow():\n    """Sleeps."""\n', 1), True),  # moves a line
    (lambda text: text + "\n\n@app.get('/fast')\ndef fast():\n    time.sleep(9)\n", True),
])
def test_an_edit_the_analysis_reads_runs_it_again(project: Path, monkeypatch, edit, expect_findings) -> None:
    config = Config(jobs=1)
    before = _findings(engine.analyse(["."], config, cwd=project))
    runs = _analyses(monkeypatch)
    views = project / "app" / "views.py"
    _edit(views, edit(views.read_text()))
    after = _findings(engine.analyse(["."], config, cwd=project))
    assert runs == [1]
    assert after != before and bool(after) == expect_findings
    assert after == _findings(engine.analyse(["."], Config(cache=False, jobs=1), cwd=project))


def test_too_many_changed_files_or_another_setting_run_the_analysis(project: Path, monkeypatch) -> None:
    config = Config(jobs=1)
    expected = _findings(engine.analyse(["."], config, cwd=project))
    runs = _analyses(monkeypatch)
    monkeypatch.setattr(cutoff, "MAX_CHANGED", 1)
    for name in ("views.py", "util.py"):
        path = project / "app" / name
        _edit(path, path.read_text() + "# comment\n")
    assert _findings(engine.analyse(["."], config, cwd=project)) == expected and runs == [1]
    _edit(project / "app" / "util.py", (project / "app" / "util.py").read_text() + "# again\n")
    engine.analyse(["."], Config(jobs=1, select=["GAL1"]), cwd=project)
    assert runs == [1, 1]  # another setting: the result held is not this run's


def test_a_summary_missing_from_the_cache_runs_the_analysis(project: Path, monkeypatch) -> None:
    config = Config(jobs=1)
    expected = _findings(engine.analyse(["."], config, cwd=project))
    for shard in (project / ".greenit-cache").glob("summaries-*"):
        shard.unlink()
    runs = _analyses(monkeypatch)
    views = project / "app" / "views.py"
    _edit(views, views.read_text() + "# comment\n")
    assert _findings(engine.analyse(["."], config, cwd=project)) == expected and runs == [1]


def test_a_summary_cache_due_for_compacting_runs_the_analysis(project: Path, monkeypatch) -> None:
    config = Config(jobs=1)
    expected = _findings(engine.analyse(["."], config, cwd=project))
    runs = _analyses(monkeypatch)
    views = project / "app" / "views.py"
    shards = lambda: len(list((project / ".greenit-cache").glob("summaries-*")))  # noqa: E731
    _edit(views, views.read_text() + "# one\n")
    assert _findings(engine.analyse(["."], config, cwd=project)) == expected and runs == []
    monkeypatch.setattr(safestore.EntryShards, "MAX_FILES", shards())  # one more would be too many
    _edit(views, views.read_text() + "# two\n")
    assert _findings(engine.analyse(["."], config, cwd=project)) == expected and runs == [1]
    assert shards() <= safestore.EntryShards.MAX_FILES  # the analysis compacted them


def test_the_words_of_a_docstring_are_not_read(project: Path, monkeypatch) -> None:
    views = project / "app" / "views.py"
    views.write_text(VIEWS.replace("def slow():\n", 'def slow():\n    """Sleeps."""\n'))
    config = Config(jobs=1)
    expected = _findings(engine.analyse(["."], config, cwd=project))
    runs = _analyses(monkeypatch)
    _edit(views, views.read_text().replace("Sleeps.", "Sleeps for five seconds."))
    assert _findings(engine.analyse(["."], config, cwd=project)) == expected and runs == []


def test_a_file_changed_again_after_it_was_hashed_runs_the_analysis(project: Path, monkeypatch) -> None:
    config = Config(jobs=1)
    engine.analyse(["."], config, cwd=project)
    runs = _analyses(monkeypatch)
    views = project / "app" / "views.py"
    _edit(views, views.read_text().replace("time.sleep(5)", "pass"))  # what the run hashes: code changed
    comment_only = (VIEWS + "# a comment\n").encode()  # what it would read next: only a comment added
    monkeypatch.setattr(cutoff, "read_bytes", lambda _path, _limit: comment_only)
    assert _findings(engine.analyse(["."], config, cwd=project)) == [] and runs == [1]

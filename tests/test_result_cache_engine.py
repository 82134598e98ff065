"""The whole-run result cache is keyed by the engine's code too: results computed by old analysis
code are not reused after the code changes under the same version number (a developer's edit)."""
from __future__ import annotations

import os
from pathlib import Path

from greenit_async_lint.analysis import resultcache
from greenit_async_lint.analysis.discovery import SourceFile


def _engine(monkeypatch, folder: Path) -> None:
    monkeypatch.setattr(resultcache, "ENGINE_FOLDERS", (folder,))


def test_a_changed_engine_module_changes_the_key(tmp_path: Path, monkeypatch) -> None:
    engine = tmp_path / "engine"
    engine.mkdir()
    module = engine / "reach.py"
    module.write_text("X = 1\n", "utf-8")
    _engine(monkeypatch, engine)
    files: list[SourceFile] = []
    before = resultcache.fingerprint(files, {"a": 1}, 10_000)
    assert resultcache.fingerprint(files, {"a": 1}, 10_000) == before  # stable within a run
    module.write_text("X = 22\n", "utf-8")
    os.utime(module, ns=(module.stat().st_atime_ns, module.stat().st_mtime_ns + 1_000_000_000))
    resultcache._engine_memo.clear()  # a new process
    assert resultcache.fingerprint(files, {"a": 1}, 10_000) != before


def test_the_shipped_engine_folders_hold_the_analysis_and_catalogue_code() -> None:
    names = {p.name for p in resultcache.ENGINE_FOLDERS}
    assert names == {"analysis", "catalogue"}
    assert all((p / "__init__.py").exists() for p in resultcache.ENGINE_FOLDERS)

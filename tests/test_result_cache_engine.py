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


APP = '''
import requests
from flask import Flask

app = Flask(__name__)

@app.get("/rates")
def rates():
    for code in ("eur", "usd"):
        requests.get(f"https://rates.example.com/{code}", timeout=5)
    return "ok"
'''


def test_a_first_run_summarises_the_bytes_its_result_key_was_made_of(tmp_path: Path, monkeypatch) -> None:
    """Without a cache folder yet, every file is read once: the result's key and the summaries are
    made of the same bytes (an edit between two readings could store one content's result under
    the other's key). A later run, whose caches answer most files, keeps no copy of them."""
    from greenit_async_lint.analysis import engine, loader
    from greenit_async_lint.config import Config

    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "helpers.py").write_text("def f():\n    return 1\n")
    reads: list[str] = []
    real = loader.read_bytes
    monkeypatch.setattr(loader, "read_bytes", lambda path, *a: reads.append(Path(path).name) or real(path, *a))
    first = engine.analyse(["."], Config(jobs=1), cwd=tmp_path)
    assert reads == []  # the result key's reading served the summaries
    assert [f.code for f in first.findings] == ["GAL106"]
    (tmp_path / "helpers.py").write_text("def f():\n    return 2\n")
    again = engine.analyse(["."], Config(jobs=1), cwd=tmp_path)
    assert sorted(reads) == ["app.py", "helpers.py"]  # read again, for the summary cache's keys
    assert [f.code for f in again.findings] == ["GAL106"]


def test_a_first_run_reads_no_result_codec_before_its_workers_start(tmp_path: Path) -> None:
    """With no result to read, the result cache's lookup imports none of the analysis's records
    (the codec is made on first use): they are imported beside the summary workers instead."""
    import subprocess
    import sys

    script = ("import sys\nfrom pathlib import Path\nfrom greenit_async_lint.analysis import resultcache\n"
              "assert resultcache.load(Path(sys.argv[1]), resultcache.Key('k', 's', ())) is None\n"
              "print(sorted(m for m in sys.modules if m.rsplit('.', 1)[-1] in "
              "('findings', 'effects', 'project', 'handlers', 'values')))\n"
              "print(resultcache.codec() is resultcache.codec(), "
              "resultcache.codec().fingerprint in resultcache.header())\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "none")], capture_output=True, text=True,
                          timeout=60, check=True)
    imported, same = done.stdout.splitlines()
    assert imported == "[]" and same == "True True"

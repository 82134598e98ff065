"""A warm re-run (nothing changed, the result cache answers) imports what it reads, not the analysis.

Most of a warm run's CPU time was imports: the analysis, the fix layer's parsers, yaml. Each check
here runs the command line in a fresh interpreter, twice on a copy of a fixture application, and
names the modules the second run must not import; the reports of both runs must be the same.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

RUN = r"""
import contextlib, io, json, sys
from greenit_async_lint.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "report": out.getvalue(), "modules": sorted(sys.modules)}))
"""

# Never on a warm hit: the analysis proper (summaries, evaluation, reach), libcst's codemods, the
# YAML parser (the catalogues and remedies.yaml are read from their parsed copies) and pathspec
# (the .gitignore is known).
ANALYSIS = ("greenit_async_lint.analysis.evaluate", "greenit_async_lint.analysis.reach",
            "greenit_async_lint.analysis.loader", "greenit_async_lint.analysis.summarize",
            "greenit_async_lint.analysis.handlers.finder", "greenit_async_lint.analysis.dispatchers", "libcst",
            "yaml", "pathspec")


def _check(folder: Path, env: dict[str, str], *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", RUN, "check", ".", "--jobs", "1", *args], cwd=folder, env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_warm_run_imports_no_analysis(tmp_path: Path, fmt: str) -> None:
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "flask_shop", app)
    (app / ".gitignore").write_text("*.log\n/dist/\n")  # translated by pathspec once, then read back
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "user-cache")}
    cold = _check(app, env, "--format", fmt)
    warm = _check(app, env, "--format", fmt)
    assert cold["code"] == warm["code"] == 1
    assert {"greenit_async_lint.analysis.reach", "pathspec"} <= set(cold["modules"])  # not vacuous
    if fmt == "json":
        cold_report, warm_report = json.loads(cold["report"]), json.loads(warm["report"])
        assert cold_report["findings"] and warm_report["findings"] == cold_report["findings"]
    else:
        assert warm["report"] == cold["report"]
    loaded = set(warm["modules"])
    assert [m for m in ANALYSIS if m in loaded] == []

"""The crash corpus's one rule, in code: whatever the input, the checker gives a report (exit 0 or
1) or a clear exit 2 — never a traceback, never its "internal error" catch-all, never a hang.

`run_cli` runs the real program in its own process with a timeout (for inputs that could hang or
recurse in C); `run_main` calls the same `main(argv)` in this process, which is several times
faster, for inputs that cannot.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

HANG_S = 60  # far above any case's real time (each takes about a second): reaching it is a hang
NIGHTLY = os.environ.get("GREENIT_NIGHTLY") == "1"  # the long, opt-in run of the generated corpora


@dataclass
class Outcome:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def report(self) -> dict[str, Any]:
        """The JSON report on standard output (the corpus always asks for --format json)."""
        assert self.returncode in (0, 1), f"no report: exit {self.returncode}\n{self.stderr}"
        document = json.loads(self.stdout)
        assert isinstance(document, dict) and "findings" in document, self.stdout[:500]
        return document

    def codes(self) -> set[tuple[str, str]]:
        return {(f["path"], f["code"]) for f in self.report()["findings"]}


def run_cli(cwd: Path, *args: str, timeout: float = HANG_S) -> Outcome:
    try:
        done = subprocess.run([sys.executable, "-m", "greenit_async_lint", *args], cwd=cwd, capture_output=True,
                              text=True, timeout=timeout, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    except subprocess.TimeoutExpired:
        raise AssertionError(f"hang: `greenit-async-lint {' '.join(args)}` ran over {timeout} s") from None
    return checked(Outcome(tuple(args), done.returncode, done.stdout, done.stderr))


_CATALOGUES: dict[str, Any] = {}


def _memoised_catalogue(load: Any) -> Any:
    """Reading the catalogue costs more than checking a small tree; the corpus is not about it."""
    def cached(extra: Any = None, sources: Any = None) -> Any:
        key = json.dumps(extra, sort_keys=True, default=repr)
        if key not in _CATALOGUES:
            _CATALOGUES[key] = load(extra, sources)
        return _CATALOGUES[key]
    return cached


def run_main(cwd: Path, *args: str) -> Outcome:
    from greenit_async_lint.catalogue import load as catalogue_load
    from greenit_async_lint.cli import main

    out, err = io.StringIO(), io.StringIO()
    before = Path.cwd()
    load = catalogue_load.load_catalogue  # what the check builds its catalogue with (catalogue/sources.py)
    os.chdir(cwd)
    try:
        catalogue_load.load_catalogue = _memoised_catalogue(load)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(before)
        catalogue_load.load_catalogue = load
    return checked(Outcome(tuple(args), code, out.getvalue(), err.getvalue()))


def checked(outcome: Outcome) -> Outcome:
    """A report or a clear exit 2; anything else fails with what the program printed."""
    said = outcome.stderr
    where = f"`greenit-async-lint {' '.join(outcome.args)}` (exit {outcome.returncode})"
    assert "Traceback (most recent call last)" not in said, f"{where} crashed:\n{said[-3000:]}"
    assert "internal error" not in said, f"{where} hit an internal error:\n{said[-3000:]}"
    assert outcome.returncode in (0, 1, 2), f"{where}: unexpected exit status\n{said[-3000:]}"
    if outcome.returncode == 2:
        assert said.strip(), f"{where} exited 2 without saying why"
    return outcome


def refused(outcome: Outcome, *words: str) -> str:
    """The one-line reason of an exit 2, which must name `words`."""
    assert outcome.returncode == 2, f"expected exit 2, got {outcome.returncode}\n{outcome.stderr}{outcome.stdout[:500]}"
    errors = [line for line in outcome.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, f"not one error line:\n{outcome.stderr}"
    for word in words:
        assert word in errors[0], (word, errors[0])
    return errors[0]


HANDLER = '''import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.post("/convert")
def convert():
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", request.form["path"]], check=True)
    return "ok"
'''


def project(root: Path, config: Optional[str] = None) -> Path:
    """A small project with one handler that converts a document (GAL101 in app.py)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(HANDLER)
    # Always a pyproject.toml: it makes the folder its own project root (nothing above is read).
    (root / "pyproject.toml").write_text('[project]\nname = "hostile"\n' if config is None else config)
    return root

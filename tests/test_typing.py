"""The engine's core passes `mypy --strict` (issue 14): its values, expressions and contexts are
named types, so a change that confuses them fails here instead of in a user's report.

Every module of `analysis/` (the engine) and `catalogue/` (its loading) is checked, as pyproject.toml's
override says (`greenit_async_lint.analysis.*`, `greenit_async_lint.catalogue.*`). Imported modules
outside them are followed silently: their types are used, their own errors are not reported here.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from capabilities import import_or_skip
from conftest import REPO

# Every module of the engine and of the catalogue loading, found on disk: a new module is held to
# the same standard from its first line, without anyone remembering to list it.
STRICT_PACKAGES = ("analysis", "catalogue")


def strict_files() -> list[str]:
    package = REPO / "src" / "greenit_async_lint"
    return sorted(str(path.relative_to(REPO)) for name in STRICT_PACKAGES
                  for path in (package / name).rglob("*.py"))


def _mypy(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MYPYPATH": str(REPO / "src")}  # a sample outside the package imports it from there
    return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
                           "--cache-dir", str(cache), *args],
                          cwd=REPO, capture_output=True, text=True, timeout=600, env=env)


def test_engine_core_passes_mypy_strict(tmp_path: Path) -> None:
    import_or_skip("mypy", "mypy")
    files = strict_files()
    # the discovery itself must find the engine, or the check below would pass on nothing
    assert "src/greenit_async_lint/analysis/reach.py" in files and len(files) > 60, files
    result = _mypy(*files, cache=tmp_path / "cache")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_the_strict_check_rejects_what_the_typed_core_forbids(tmp_path: Path) -> None:
    """The same invocation fails on the faults the core was freed of (a bare `tuple`, an untyped
    def, a value read as the wrong kind): the check above is not passing by checking nothing."""
    import_or_skip("mypy", "mypy")
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from greenit_async_lint.analysis.values import External, FunctionRef, Value\n"
        "def untyped(x):\n"
        "    return x\n"
        "def bare(values: tuple) -> int:\n"
        "    return len(values)\n"
        "def wrong_kind(value: Value) -> str:\n"
        "    if isinstance(value, FunctionRef):\n"
        "        return value.name\n"
        "    return ''\n",
        encoding="utf-8")
    result = _mypy(str(sample), cache=tmp_path / "cache")
    assert result.returncode == 1, result.stdout
    for fault in ('Function is missing a type annotation', 'Missing type arguments for generic type "tuple"',
                  '"FunctionRef" has no attribute "name"'):
        assert fault in result.stdout, result.stdout

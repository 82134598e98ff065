"""Files that cannot be analysed are reported as errors, and the rest of the project still is."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from greenit_async_lint.config import Config
from greenit_async_lint.analysis.engine import analyse

VIOLATING_APP = '''
import subprocess
from flask import Flask

app = Flask(__name__)

@app.post("/convert")
def convert():
    subprocess.run(["soffice", "--convert-to", "pdf", "x.docx"])
    return "ok"
'''


def _analyse(folder: Path, **options) -> dict:
    report = analyse(["."], Config(cache=False, jobs=1, **options), cwd=folder)
    return {"errors": {(f.path, f.code): f for f in report.findings if f.severity == "error"},
            "violations": [f for f in report.findings if f.severity == "violation"], "report": report}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(VIOLATING_APP)
    return tmp_path


def _assert_rest_analysed(result: dict) -> None:
    assert [f.code for f in result["violations"]] == ["GAL101"], "the healthy file must still be analysed"


def test_syntax_error_is_reported_with_its_line(project: Path) -> None:
    (project / "broken.py").write_text("x = 1\ndef broken(:\n    pass\n")
    result = _analyse(project)
    error = result["errors"][("broken.py", "GAL901")]
    assert error.line == 2 and "does not parse" in error.message
    _assert_rest_analysed(result)


def test_undecodable_file_is_reported(project: Path) -> None:
    (project / "latin.py").write_bytes(b"name = '\xe9t\xe9'\n")
    result = _analyse(project)
    assert "cannot be decoded" in result["errors"][("latin.py", "GAL902")].message
    _assert_rest_analysed(result)


def test_unknown_encoding_cookie_is_reported(project: Path) -> None:
    (project / "cookie.py").write_bytes(b"# -*- coding: not-a-codec -*-\nx = 1\n")
    result = _analyse(project)
    assert ("cookie.py", "GAL902") in result["errors"]


def test_empty_module_is_reported_but_empty_package_marker_is_not(project: Path) -> None:
    (project / "empty.py").write_text("")
    (project / "pkg").mkdir()
    (project / "pkg" / "__init__.py").write_text("")
    result = _analyse(project)
    assert ("empty.py", "GAL905") in result["errors"]
    assert not any(path.startswith("pkg/") for path, _code in result["errors"])


def test_huge_file_is_skipped_and_reported(project: Path) -> None:
    (project / "generated.py").write_text("x = 1\n" * 2000)
    result = _analyse(project, max_file_bytes=5000)
    assert "over the 5000-byte limit" in result["errors"][("generated.py", "GAL903")].message
    _assert_rest_analysed(result)


def test_broken_symlink_is_reported(project: Path) -> None:
    os.symlink(project / "missing.py", project / "dangling.py")
    result = _analyse(project)
    assert "broken symbolic link" in result["errors"][("dangling.py", "GAL904")].message
    _assert_rest_analysed(result)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file_is_reported(project: Path) -> None:  # pragma: no cover - not as root
    secret = project / "secret.py"
    secret.write_text("x = 1\n")
    secret.chmod(0)
    result = _analyse(project)
    assert ("secret.py", "GAL904") in result["errors"]


def test_unreadable_file_is_reported_even_as_root(project: Path, monkeypatch) -> None:
    """Root ignores permission bits, so simulate the read failure where the loader reads."""
    secret = project / "secret.py"
    secret.write_text("x = 1\n")
    import greenit_async_lint.analysis.readfile as readfile
    real = readfile.os.open

    def refuse(path, flags, *args):  # the one reader opens every file through os.open
        if str(path).endswith("secret.py"):
            raise PermissionError(13, "Permission denied")
        return real(path, flags, *args)

    monkeypatch.setattr(readfile.os, "open", refuse)
    result = _analyse(project)
    assert "Permission denied" in result["errors"][("secret.py", "GAL904")].message
    _assert_rest_analysed(result)


def test_null_bytes_and_deep_nesting_do_not_crash(project: Path) -> None:
    (project / "nul.py").write_bytes(b"x = 1\x00\n")
    (project / "deep.py").write_text("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    result = _analyse(project)
    assert ("nul.py", "GAL901") in result["errors"]
    assert ("deep.py", "GAL901") in result["errors"]
    _assert_rest_analysed(result)


@pytest.mark.parametrize("source", [
    'x: "Literal[\'\\\\d\']" = 0\n',  # an invalid escape in a string annotation, parsed while building
    'def f(a: "Pattern[\'\\\\w\']"):\n    return a\n',
    'x = "\\d"\n',  # the file's own parse
    'try:\n    pass\nexcept* ValueError:\n    y = "\\d"\n',  # a newer-syntax file's rewritten copy
])
def test_the_projects_syntax_warnings_are_not_printed(source: str) -> None:
    import warnings

    from greenit_async_lint.analysis.summarize import summarize

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary = summarize(source.encode(), "m.py", "m", False)
    assert hasattr(summary, "functions"), summary
    assert [str(w.message) for w in caught] == []

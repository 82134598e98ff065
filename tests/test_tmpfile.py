"""tmpfile.py: the caches' and reports' temporary files, made as tempfile.mkstemp makes them."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from greenit_async_lint.analysis import tmpfile


def test_a_new_file_only_its_user_can_read(tmp_path: Path) -> None:
    fd, name = tmpfile.temporary_file(tmp_path, ".result.jsonl-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(b"entry")
    assert Path(name).parent == tmp_path and Path(name).name.startswith(".result.jsonl-")
    assert Path(name).read_bytes() == b"entry"
    if sys.platform != "win32":
        assert stat.S_IMODE(os.stat(name).st_mode) == 0o600


def test_an_existing_name_is_never_opened_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    taken = tmp_path / ".x-000000000000"
    taken.write_bytes(b"someone else's")
    draws = iter([bytes(6), bytes(6), b"\x01" * 6])
    monkeypatch.setattr(tmpfile.os, "urandom", lambda _n: next(draws))
    fd, name = tmpfile.temporary_file(tmp_path, ".x-")
    os.close(fd)
    assert name == str(tmp_path / ".x-010101010101")
    assert taken.read_bytes() == b"someone else's"


def test_a_folder_where_every_name_is_taken_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".x-000000000000").write_bytes(b"")
    monkeypatch.setattr(tmpfile.os, "urandom", lambda n: bytes(n))
    with pytest.raises(FileExistsError):
        tmpfile.temporary_file(tmp_path, ".x-")


def test_a_check_imports_no_tempfile(tmp_path: Path) -> None:
    """The point of the module: a cold check (its caches written) never imports tempfile."""
    app = tmp_path / "app.py"
    app.write_text("import requests\nfrom flask import Flask\napp = Flask(__name__)\n\n"
                   "@app.route('/')\ndef index():\n    return requests.get('http://x').text\n")
    code = ("import sys\nsys.argv = ['greenit-async-lint', 'check', '--allow-empty', '.']\n"
            "from greenit_async_lint.cli import main\nmain(sys.argv[1:])\n"
            "print('tempfile' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "False", done.stdout + done.stderr
    assert any(p.name == "result.jsonl" for p in tmp_path.rglob("result.jsonl"))

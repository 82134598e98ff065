"""Unsafe move-to-queue fixes keep endpoints working: a response that carries what the work makes
(a file, a feed, a page, the work's own result) is not turned into 202 JSON, the job receives plain
values only (nothing bound to the request or the application context), and the changed files pass
`ruff check --select F` (no import left unused, none missing)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from greenit_async_lint.fix.apply import plan_report, write

from fixtools import CASES, FIXTURES, analyse, copy_project

HEAD = "import shutil\nfrom flask import Flask, current_app, send_file\n\napp = Flask(__name__)\n\n\n"
CELERY = "from celery import shared_task\n"


def _reasons(tmp_path: Path, body: str) -> tuple[dict, list[str]]:
    (tmp_path / "app.py").write_text(HEAD + textwrap.dedent(body))
    (tmp_path / "tasks.py").write_text(CELERY)
    run = plan_report(analyse(tmp_path), unsafe=True, cwd=tmp_path)
    return ({src.path.name: text for src, text in run.rendered.values()},
            [r for o in run.outcomes for _, r in o.refused])


@pytest.mark.parametrize("body, reason", [
    ("""\
     @app.get("/export/<int:account>.zip")
     def download(account: int):
         archive = shutil.make_archive(f"/tmp/{account}", "zip", "/srv")
         return send_file(archive)
     """, "returns what the work produced (`archive`)"),
    ("""\
     @app.get("/export/<int:account>")
     def export(account: int):
         return {"archive": shutil.make_archive(f"/tmp/{account}", "zip", "/srv")}
     """, "is what the work produces"),
    ("""\
     @app.post("/export/<int:account>")
     def export(account: int):
         shutil.make_archive(f"/tmp/{account}", "zip", "/srv")
         return send_file("/srv/done.html")
     """, "is not plain data"),
    ("""\
     @app.post("/export/<int:account>")
     def export(account: int):
         shutil.make_archive(f"/tmp/{account}", "zip", current_app.config["ROOT"])
         return {"account": account}
     """, "`current_app`, bound to the request or the application context"),
    ("""\
     @app.post("/export/<int:account>")
     def export(account: int):
         folder = Account.query.get_or_404(account).folder
         shutil.make_archive(f"/tmp/{account}", "zip", folder)
         return {"account": account}
     """, "needs the application context"),
])
def test_a_move_that_would_break_the_endpoint_is_refused(tmp_path: Path, body: str, reason: str) -> None:
    new, reasons = _reasons(tmp_path, body)
    assert new == {}
    assert any(reason in r for r in reasons), reasons


def test_a_move_whose_response_is_plain_data_is_made(tmp_path: Path) -> None:
    new, reasons = _reasons(tmp_path, """\
        @app.post("/export/<int:account>")
        def export(account: int):
            shutil.make_archive(f"/tmp/{account}", "zip", "/srv")
            return {"account": account}
        """)
    assert 'return {"status": f"/jobs/{job.id}"}, 202' in new["app.py"], reasons


def _ruff_f(files: list[Path]) -> str:
    ruff = Path(sys.executable).with_name("ruff")
    command = [str(ruff)] if ruff.exists() else [shutil.which("ruff") or "ruff"]
    done = subprocess.run([*command, "check", "--select", "F", "--no-cache", "--output-format", "concise",
                           *map(str, files)], capture_output=True, text=True)
    return "" if done.returncode == 0 else done.stdout + done.stderr


PROJECTS = [*(p for p in sorted(FIXTURES.iterdir()) if p.is_dir()),
            *(CASES / c for c in ("celery_move", "celery_django_created", "dramatiq_move", "rq_move"))]


@pytest.mark.skipif(shutil.which("ruff") is None and not Path(sys.executable).with_name("ruff").exists(),
                    reason="ruff is not installed (pip install -e '.[test]')")
@pytest.mark.parametrize("app", PROJECTS, ids=[p.name for p in PROJECTS])
def test_unsafe_fixes_leave_no_new_pyflakes_problem(app: Path, tmp_path: Path) -> None:
    project = copy_project(app, tmp_path / app.name)
    run = plan_report(analyse(project), unsafe=True, cwd=project)
    changed = sorted(run.rendered)
    before = {path: _ruff_f([path]) for path in changed if path.exists()}
    write(run.rendered)
    for path in changed:
        after = _ruff_f([path])
        old = before.get(path, "")
        new_lines = [line for line in after.splitlines() if line and line.split(":", 3)[-1] not in old]
        assert not [line for line in new_lines if ": F" in line], f"{path.name}:\n{after}"

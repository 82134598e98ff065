"""A project generator that yields once per row of a collection the request does not bound is as
long as that collection (volume.py `generates_unbounded`), and an e-mail rendered per recipient
is per-row work (volume.yaml `per-row` render: `flask.render_template`)."""
from __future__ import annotations

from pathlib import Path

from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.config import Config

MODELS = """\
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Registration(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(120))
"""

VIEWS = """\
from flask import Blueprint, render_template

from .models import Registration, db

bp = Blueprint("mail", __name__)


def recipients():
    {generator}


@bp.post("/mailing")
def mailing():
    for to in recipients():
        {work}
    return "", 204
"""

SAVE = "db.session.add(Registration(email=to))"
RENDER = "render_template('mail.html', to=to)"


def _findings(tmp_path: Path, generator: str, work: str = SAVE) -> list[tuple[str, int, str]]:
    app = tmp_path / "mail"
    app.mkdir()
    (app / "__init__.py").write_text("", "utf-8")
    (app / "models.py").write_text(MODELS, "utf-8")
    (app / "views.py").write_text(VIEWS.format(generator=generator, work=work), "utf-8")
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert report.handlers
    return sorted((f.code, f.line, f.severity) for f in report.findings)


def test_a_generator_over_a_whole_table_is_unbounded(tmp_path: Path) -> None:
    generator = "for r in Registration.query.all():\n        yield r.email"
    assert _findings(tmp_path, generator) == [("GAL114", 16, "violation")]


def test_a_render_per_recipient_is_per_row_work(tmp_path: Path) -> None:
    generator = "for r in Registration.query.all():\n        yield r.email"
    assert _findings(tmp_path, generator, RENDER) == [("GAL114", 16, "violation")]


def test_a_generator_over_a_page_is_bounded(tmp_path: Path) -> None:
    generator = "for r in Registration.query.limit(5).all():\n        yield r.email"
    assert _findings(tmp_path, generator) == []


def test_a_generator_of_constants_is_bounded(tmp_path: Path) -> None:
    assert _findings(tmp_path, "yield 'admin@example.org'") == []

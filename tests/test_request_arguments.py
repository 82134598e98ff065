"""Selections the request chooses (analysis/requestdata.py, volume.py): a route parameter that a
request-arguments decorator (`@use_kwargs`) fills from a list field is as long as the client made
it, and a list a helper fills in a loop over its parameter is as long as that parameter."""
from __future__ import annotations

from pathlib import Path

from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.config import Config

MODELS = """\
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Invitation(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(120))
"""

HELPERS = """\
from .models import Invitation, db


def invite(email):
    db.session.add(Invitation(email=email))
    db.session.flush()


def invite_kept(emails):
    kept = []
    for email in emails:
        if "@" in email:
            kept.append(email)
    for email in kept:
        invite(email)
"""

VIEWS = """\
from flask import Blueprint
from marshmallow import Schema, fields
from webargs.flaskparser import use_kwargs

from .helpers import invite_kept

bp = Blueprint("invites", __name__)


class ImportSchema(Schema):
    emails = {field}


@bp.post("/invitations")
@use_kwargs({schema})
def invite_route(emails):
    invite_kept({argument})
    return "", 204
"""


def _findings(tmp_path: Path, field: str = "fields.List(fields.Email())", schema: str = "ImportSchema",
              argument: str = "emails") -> list[tuple[str, int, str]]:
    app = tmp_path / "invites"
    app.mkdir()
    (app / "__init__.py").write_text("", "utf-8")
    (app / "models.py").write_text(MODELS, "utf-8")
    (app / "helpers.py").write_text(HELPERS, "utf-8")
    (app / "views.py").write_text(VIEWS.format(field=field, schema=schema, argument=argument), "utf-8")
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert report.handlers
    return sorted((f.code, f.line, f.severity) for f in report.findings)


def test_a_schema_class_list_field_kept_in_a_helper_list_is_unbounded(tmp_path: Path) -> None:
    assert _findings(tmp_path) == [("GAL114", 17, "violation")]


def test_a_dict_schema_list_field_is_unbounded(tmp_path: Path) -> None:
    schema = '{"emails": fields.List(fields.Email())}'
    assert _findings(tmp_path, schema=schema) == [("GAL114", 17, "violation")]


def test_a_string_field_is_one_value(tmp_path: Path) -> None:
    assert _findings(tmp_path, field="fields.String()") == []


def test_a_page_of_the_list_is_bounded(tmp_path: Path) -> None:
    assert _findings(tmp_path, argument="emails[:20]") == []

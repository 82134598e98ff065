"""A SQLAlchemy query pinned to one object by its model's schema (analysis/pinned.py): an
equality on a unique column, or on the foreign key of a model whose rows are that parent's own
parts, selects a few rows; one on a model that links another table grows with that table."""
from __future__ import annotations

from pathlib import Path

import pytest

from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.config import Config

FIXTURE = Path(__file__).parent.parent / "fixtures" / "sqlalchemy_rows" / "rows"

VIEWS = """\
from pyramid.view import view_config
from sqlalchemy import select

from .models import Customer, Organization, Price, Project, RecoveryCode, Renewal, Role, Subscription, Team, User


@view_config(route_name="rows", request_method="POST", renderer="json")
def rows(request):
    parent = request.db.get({parent}, request.matchdict["id"])
    for row in {query}:
        request.db.delete(row)
    return {{}}
"""


def _found(tmp_path: Path, parent: str, query: str, models: dict[str, str] | None = None) -> list[tuple[str, int]]:
    """The findings of the view; `models` rewrites lines of the fixture's models (each must be there)."""
    app = tmp_path / "rows"
    app.mkdir()
    for name in ("__init__.py", "db.py", "models.py", "services.py"):  # the fixture's session and models
        text = (FIXTURE / name).read_text("utf-8")
        for before, after in (models or {}).items() if name == "models.py" else ():
            assert before in text, before
            text = text.replace(before, after)
        (app / name).write_text(text, "utf-8")
    (app / "views.py").write_text(VIEWS.format(parent=parent, query=query), "utf-8")
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    return sorted((f.code, f.line) for f in report.findings)


@pytest.mark.parametrize("parent, query", [
    # an organization's own teams (Team's only foreign key), by comparison, keyword or statement
    ("Organization", "request.db.query(Team).filter(Team.organization_id == parent.id).all()"),
    ("Organization", "request.db.query(Team).filter_by(organization=parent).all()"),
    ("Organization", "request.db.execute(select(Team).where(Team.organization_id == parent.id)).scalars().all()"),
    # one row by a unique column
    ("User", "request.db.query(User).filter(User.username == parent.username).all()"),
    # a customer's subscriptions link the prices too, but the customer loads them eagerly
    ("Customer", "request.db.query(Subscription).filter(Subscription.customer_id == parent.id).all()"),
    # the rows two objects share
    ("User", "request.db.query(Role).filter(Role.user_id == parent.id, Role.project_id == request.params['p']).all()"),
])
def test_one_objects_rows_are_few(tmp_path: Path, parent: str, query: str) -> None:
    assert _found(tmp_path, parent, query) == []


@pytest.mark.parametrize("parent, query", [
    # a project's roles: one per user, they grow with the users
    ("Project", "request.db.query(Role).filter(Role.project_id == parent.id).all()"),
    # a user's projects through the roles: the comparison is on the joined model, not the queried one
    ("User", "request.db.query(Project).join(Role).filter(Role.user_id == parent.id).all()"),
    # the renewals at one price: Renewal links the subscriptions too, and no parent loads them
    ("Price", "request.db.query(Renewal).filter(Renewal.price_id == parent.id).all()"),
    # a constant pins nothing
    ("User", "request.db.query(Team).filter(Team.name == 'core').all()"),
])
def test_rows_that_link_another_table_grow(tmp_path: Path, parent: str, query: str) -> None:
    assert _found(tmp_path, parent, query) == [("GAL114", 11)]


TEAM_KEY = 'organization_id = Column(Integer, ForeignKey("organizations.id"), nullable=False)'
SUBSCRIPTIONS = 'subscriptions = relationship("Subscription", lazy="joined")'


@pytest.mark.parametrize("models", [
    # SQLModel's column inside a keyword argument: the foreign key is read there too (relationships.py
    # `has_foreign_key`, the test the cascades apply; pinned.py read positional arguments only)
    {"from sqlalchemy import": "from sqlmodel import Field\nfrom sqlalchemy import",
     TEAM_KEY: "organization_id: int = Field(sa_column=Column(Integer, ForeignKey(\"organizations.id\"), nullable=False))"},
    # the related class named by volume.yaml `target-keyword`, or by the annotation alone
    {SUBSCRIPTIONS: 'subscriptions = relationship(argument="Subscription", lazy="joined")'},
    {"from sqlalchemy.orm import": "from sqlalchemy.orm import Mapped\nfrom sqlalchemy.orm import",
     SUBSCRIPTIONS: 'subscriptions: Mapped[list["Subscription"]] = relationship(lazy="joined")'},
])
def test_the_model_body_is_read_as_the_cascades_read_it(tmp_path: Path, models: dict[str, str]) -> None:
    query = ("request.db.query(Team).filter(Team.organization_id == parent.id).all()" if TEAM_KEY in models
             else "request.db.query(Subscription).filter(Subscription.customer_id == parent.id).all()")
    assert _found(tmp_path, "Organization" if TEAM_KEY in models else "Customer", query, models) == []


def test_a_lazy_relationship_does_not_bound_its_rows(tmp_path: Path) -> None:
    models = {SUBSCRIPTIONS: 'subscriptions = relationship("Subscription", lazy="select")'}
    query = "request.db.query(Subscription).filter(Subscription.customer_id == parent.id).all()"
    assert _found(tmp_path, "Customer", query, models) == [("GAL114", 11)]

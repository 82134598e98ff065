"""A query chain ending in a builder (`.exists()`, `.subquery()`) runs nothing of its own: only
the statement that embeds it is a query (analysis/builders.py, volume.yaml `query-builders`)."""
from __future__ import annotations

from pathlib import Path

import pytest

from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.config import Config

FIXTURE = Path(__file__).parent.parent / "fixtures" / "sqlalchemy_rows" / "rows"

VIEWS = """\
from pyramid.view import view_config
from sqlalchemy import literal

from .models import BlockedName


@view_config(route_name="names", request_method="POST", renderer="json")
def names(request):
    for name in request.POST.get("names", "").split():
        inner = (request.db.query(BlockedName)
                 .filter(BlockedName.name == name).{builder}())
        request.db.query(literal(True)).filter(inner).scalar()
    return {{}}
"""


def _lines(tmp_path: Path, builder: str) -> list[tuple[str, int]]:
    app = tmp_path / "rows"
    app.mkdir()
    for name in ("__init__.py", "db.py", "models.py"):  # the fixture's session and models
        (app / name).write_text((FIXTURE / name).read_text("utf-8"), "utf-8")
    (app / "views.py").write_text(VIEWS.format(builder=builder), "utf-8")
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    return sorted((f.code, f.line) for f in report.findings)


@pytest.mark.parametrize("builder", ["exists", "subquery", "scalar_subquery", "cte"])
def test_a_chain_ending_in_a_builder_is_no_query(tmp_path: Path, builder: str) -> None:
    assert _lines(tmp_path, builder) == [("GAL114", 12)]


def test_a_chain_that_runs_is_a_query(tmp_path: Path) -> None:
    assert _lines(tmp_path, "first") == [("GAL114", 10), ("GAL114", 12)]

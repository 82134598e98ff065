"""The data-volume rule (GAL114, analysis/volume.py, rules/volume.yaml): per-row work in a loop
over a collection the request does not bound, and the same work over bounded collections."""
from __future__ import annotations

from pathlib import Path

import pytest

from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.catalogue import CatalogueError
from greenit_async_lint.catalogue.volume import build_volume
from greenit_async_lint.config import Config

DJANGO = """\
import csv
import io
from django.db import models
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path


class Item(models.Model):
    name = models.CharField(max_length=10)
    tags = models.ManyToManyField("Tag")


def view(request):
    out = HttpResponse()
    writer = csv.writer(out)
{body}
    return out


urlpatterns = [path("x", view)]
"""


def codes(tmp_path: Path, source: str) -> set[str]:
    (tmp_path / "app.py").write_text(source)
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    return {f"{f.code}{'!' if f.severity == 'violation' else '?'}" for f in report.findings}


UNBOUNDED = {
    "a whole table": "    for item in Item.objects.all():\n        writer.writerow([item.name])",
    "a filtered and ordered queryset": "    for item in Item.objects.filter(name='a').order_by('pk'):\n        writer.writerow([item.name])",
    "a queryset bound to a name": "    items = Item.objects.exclude(name='')\n    for item in items:\n        writer.writerow([item.name])",
    "a comprehension": "    out.write(''.join(str(writer.writerow([i.name])) for i in Item.objects.all()))",
    "a streamed generator": "    return StreamingHttpResponse(writer.writerow([i.name]) for i in Item.objects.all())",
    "saves of uploaded rows": "    for row in csv.reader(io.TextIOWrapper(request.FILES['f'])):\n        Item(name=row[0]).save()",
    "validation of each object": "    for item in Item.objects.all():\n        item.full_clean()",
}

BOUNDED = {
    "a slice": "    for item in Item.objects.all()[:50]:\n        writer.writerow([item.name])",
    "a slice bound to a name": "    page = Item.objects.order_by('-pk')[:20]\n    for item in page:\n        writer.writerow([item.name])",
    "a literal": "    for title in ('id', 'name'):\n        writer.writerow([title])",
    "one object": "    item = Item.objects.first()\n    item.full_clean()\n    item.save()",
    "one object's relations": "    item = Item.objects.get(pk=1)\n    for tag in item.tags.all():\n        writer.writerow([tag])",
}


@pytest.mark.parametrize("body", UNBOUNDED.values(), ids=list(UNBOUNDED))
def test_per_row_work_over_an_unbounded_collection_is_a_violation(tmp_path: Path, body: str) -> None:
    assert codes(tmp_path, DJANGO.format(body=body)) == {"GAL114!"}


@pytest.mark.parametrize("body", BOUNDED.values(), ids=list(BOUNDED))
def test_per_row_work_over_a_bounded_collection_is_not_reported(tmp_path: Path, body: str) -> None:
    assert codes(tmp_path, DJANGO.format(body=body)) == set()


def test_an_async_handler_streaming_a_generator_over_an_upload(tmp_path: Path) -> None:
    source = (
        "import csv\nimport io\nimport yaml\nfrom fastapi import FastAPI, UploadFile\n"
        "from fastapi.responses import StreamingResponse\n\napp = FastAPI()\n\n"
        "def documents(text):\n    for row in csv.DictReader(io.StringIO(text)):\n        yield yaml.safe_dump(row)\n\n"
        "@app.post('/convert')\nasync def convert(file: UploadFile):\n    text = (await file.read()).decode()\n"
        "    return StreamingResponse(documents(text))\n")
    (tmp_path / "app.py").write_text(source)
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert [(f.line, f.code, f.severity) for f in report.findings] == [(16, "GAL114", "violation")]
    assert "in a loop over `csv.DictReader(io.StringIO(text))`" in report.findings[0].message


def test_the_catalogue_names_a_wrong_key() -> None:
    with pytest.raises(CatalogueError, match="volume.yaml.writers"):
        build_volume({"writers": ["csv.writer.writerow"]})


FLASK = """\
import csv
import io
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
db = SQLAlchemy(app)


class User(db.Model):
    pass


@app.get("/users.csv")
def users():
    out = io.StringIO()
    writer = csv.writer(out)
    for user in {rows}:
        writer.writerow([user.id])
    return out.getvalue()
"""


@pytest.mark.parametrize("rows, expected", [
    ("User.query.all()", {"GAL114!"}),
    ("db.session.query(User).all()", {"GAL114!"}),
    ("User.query.limit(50).all()", set()),
    ("User.query.paginate(page=1).items", set()),
])
def test_a_query_chain_that_limits_its_rows_is_bounded(tmp_path: Path, rows: str, expected: set[str]) -> None:
    assert codes(tmp_path, FLASK.format(rows=rows)) == expected


@pytest.mark.parametrize("body", [
    "    for item in Item.objects.filter(pk__in=request.POST.getlist('ids')):\n        item.delete()",
    "    chosen = Item.objects.filter(id__in=request.POST.getlist('ids')).order_by('pk')\n    for item in chosen:\n        item.save()",
])
def test_rows_the_request_selects_one_by_one_are_bounded_by_it(tmp_path: Path, body: str) -> None:
    assert codes(tmp_path, DJANGO.format(body=body)) == set()

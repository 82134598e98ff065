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
    "one object pinned, the rest a range": ("    for item in Item.objects.filter(owner=request.user, created__gte=since):\n"
                                           "        item.save()"),
    "two constants": "    for item in Item.objects.filter(status='open', archived=False):\n        item.save()",
}

BOUNDED = {
    "a slice": "    for item in Item.objects.all()[:50]:\n        writer.writerow([item.name])",
    "a slice bound to a name": "    page = Item.objects.order_by('-pk')[:20]\n    for item in page:\n        writer.writerow([item.name])",
    "a literal": "    for title in ('id', 'name'):\n        writer.writerow([title])",
    "one object": "    item = Item.objects.first()\n    item.full_clean()\n    item.save()",
    "one object's relations": "    item = Item.objects.get(pk=1)\n    for tag in item.tags.all():\n        writer.writerow([tag])",
    "the rows two objects share": ("    rows = Item.objects.filter(owner=request.user, book__work=work)\n"
                                   "    for item in rows.all():\n        item.save()"),
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


HELPERS = """\
import csv
import io
import itertools
from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
db = SQLAlchemy(app)


class User(db.Model):
    pass


def load(reader):
    for i, line in enumerate(reader):
        db.session.add(User(name=line["name"]))


def load_via(reader):
    return load(reader)


def write(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def upload():
    return csv.DictReader(io.StringIO(request.files["f"].read().decode()))


@app.post("/x")
def view():
{body}
"""


def findings(tmp_path: Path, source: str) -> list[tuple[str, str, str]]:
    (tmp_path / "app.py").write_text(source)
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    return [(f.code, f.severity, f.confidence) for f in report.findings]


@pytest.mark.parametrize("body, expected", [
    # The callee loops over its parameter: the caller's argument decides.
    ("    load(csv.DictReader(io.StringIO(request.files['f'].read().decode())))", [("GAL114", "violation", "high")]),
    # What a project function returns is followed, through the wrapper.
    ("    rows = upload()\n    load(itertools.chain([next(rows)], rows))", [("GAL114", "violation", "high")]),
    ("    load([{'name': 'admin'}])", []),
    # A parameter handed on: one more level of context.
    ("    load_via(csv.reader(io.StringIO(request.files['f'].read().decode())))", [("GAL114", "violation", "high")]),
    ("    load_via([{'name': 'admin'}])", []),
    # An export helper writes whatever it is given: rows the caller does not bound count, as a guess.
    ("    rows = request.get_json()\n    return write(rows)", [("GAL114", "violation", "medium")]),
    # A comprehension over a whole table is as big as the table.
    ("    rows = [[u.id] for u in User.query.all()]\n    return write(rows)", [("GAL114", "violation", "high")]),
    ("    return write([['id', 'name']])", []),
    # Rows handed in a spread dict (`write(**cached)`): nothing bounds them either.
    ("    cached = cache.get(request.args['token'])\n    return write(**cached)", [("GAL114", "violation", "medium")]),
    ("    return write(**{'rows': [['id', 'name']]})", []),
    ("    rows = [[u.id] for u in User.query.all()]\n    return write(rows[:50])", []),
    # A save helper given rows of unknown size is not reported (only export helpers guess).
    ("    rows = [{'name': u} for u in request.form.getlist('n')][0]\n    load(rows)", []),
])
def test_a_loop_over_a_parameter_is_judged_by_the_callers_argument(tmp_path: Path, body: str,
                                                                    expected: list[tuple[str, str, str]]) -> None:
    assert findings(tmp_path, HELPERS.format(body=body)) == expected


@pytest.mark.parametrize("body, expected", [
    ("    reader = csv.DictReader(io.StringIO(request.files['f'].read().decode()))\n"
     "    for i, line in enumerate(itertools.chain([next(reader)], reader)):\n        db.session.add(User())",
     {"GAL114!"}),
    ("    for user in sorted(User.query.all(), key=str):\n        db.session.add(user)", {"GAL114!"}),
    ("    for i, name in enumerate(['a', 'b']):\n        db.session.add(User(name=name))", set()),
])
def test_wrappers_are_as_unbounded_as_what_they_wrap(tmp_path: Path, body: str, expected: set[str]) -> None:
    assert codes(tmp_path, HELPERS.format(body=body)) == expected


@pytest.mark.parametrize("body, expected", [
    # `|=` and `+=` of a collection: the name holds what was added too.
    ("    names = set()\n    names |= {u.name for u in User.query.all()}\n    for name in names:\n"
     "        db.session.add(User(name=name))", {"GAL114!"}),
    ("    names = []\n    names += [u.name for u in User.query.all()]\n    for name in names:\n"
     "        db.session.add(User(name=name))", {"GAL114!"}),
    ("    names = set()\n    names |= {'admin', 'root'}\n    for name in names:\n        db.session.add(User(name=name))",
     set()),
])
def test_a_collection_added_to_a_name_is_what_the_name_holds(tmp_path: Path, body: str, expected: set[str]) -> None:
    assert codes(tmp_path, HELPERS.format(body=body)) == expected


SELF_FILLED = HELPERS.replace("@app.post(\"/x\")", """class Mailing:
    def send(self):
        self.names = set()
        self.names |= {{u.name for u in User.query.all()}}
        for name in self.names:
            db.session.add(User(name=name))


@app.post("/x")""")


def test_an_attribute_the_method_itself_fills_is_what_it_holds(tmp_path: Path) -> None:
    """`self.names` set and filled in the method that loops over it: as a local name would be."""
    assert codes(tmp_path, SELF_FILLED.format(body="    Mailing().send()")) == {"GAL114!"}


@pytest.mark.parametrize("body, expected", [
    # A query per row of a whole table, in a sync handler (one query alone is normal there): the
    # database family of work.yaml is per-row work (volume.yaml per-row-families).
    ("    for item in Item.objects.all():\n        out.write(str(Item.objects.filter(name=item.name).count()))", {"GAL114!"}),
    ("    for name in ('a', 'b'):\n        out.write(str(Item.objects.filter(name=name).count()))", set()),
    ("    for item in Item.objects.all()[:20]:\n        out.write(str(Item.objects.filter(name=item.name).count()))", set()),
    ("    out.write(str(Item.objects.filter(name='a').count()))", set()),
])
def test_a_database_query_per_row_of_an_unbounded_collection(tmp_path: Path, body: str, expected: set[str]) -> None:
    assert codes(tmp_path, DJANGO.format(body=body)) == expected


def test_the_message_says_what_the_loop_does_with_each_row(tmp_path: Path) -> None:
    body = ("    rows = request.get_json()\n    write(rows)\n"
            "    load(csv.DictReader(io.StringIO(request.files['f'].read().decode())))")
    (tmp_path / "app.py").write_text(HELPERS.format(body=body))
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    messages = sorted(f.message for f in report.findings)
    assert len(messages) == 2
    assert "(an export writing every row) in a loop over `rows`" in messages[0]
    assert "medium confidence: the export helper writes every row of `rows`" in messages[0]
    assert "(a save for every row) in a loop over `enumerate(reader)`" in messages[1]


def test_per_row_kinds_are_checked_and_a_plain_list_still_reads() -> None:
    rules = build_volume({"per-row": {"export": {"does": "an export", "export": True, "calls": ["csv.writer.writerow"]}},
                          "per-row-families": {"database": "a query per row"},
                          "passes-through": ["builtins.enumerate"], "request-models": ["pydantic.BaseModel"],
                          "list-types": ["builtins.list"]})
    assert "pydantic.BaseModel" in rules.request_models and "builtins.list" in rules.list_types
    kind = rules.per_row.match("csv.writer.writerow")
    assert kind is not None and kind.export and kind.does == "an export"
    assert rules.per_row_families["database"].does == "a query per row"
    assert "builtins.enumerate" in rules.passes_through
    plain = build_volume({"per-row": ["yaml.dump"]}).per_row.match("yaml.dump")
    assert plain is not None and not plain.export
    with pytest.raises(CatalogueError, match="volume.yaml.per-row.export.writes"):
        build_volume({"per-row": {"export": {"does": "x", "writes": []}}})
    with pytest.raises(CatalogueError, match="volume.yaml.per-row.export.does"):
        build_volume({"per-row": {"export": {"calls": ["csv.writer.writerow"]}}})


REQUEST_MODEL = """\
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy.orm import Session

app = FastAPI()
session = Session()


class Selection(BaseModel):
    slugs: list[str]
    label: str
    tags: list[str] = []


class Recipe:
    slugs: list[str]


def retag(slugs):
    for slug in slugs:
        session.execute(slug)


def helper(data: Selection):
    for slug in data.slugs:
        session.execute(slug)


@app.post("/x")
def view(data: Selection):
{body}
"""


@pytest.mark.parametrize("body, expected", [
    ("    retag(data.slugs)", {"GAL114!"}),  # a list field of the request body: as long as the client made it
    ("    retag(data.tags)", {"GAL114!"}),  # declared with a default
    ("    retag(data.slugs[:20])", set()),
    ("    retag([data.label])", set()),
    ("    retag(Recipe().slugs)", set()),  # a list field of a model the request did not send
    ("    helper(data)", set()),  # a helper handed the model: not a route, its parameter is not the request's
])
def test_a_list_field_of_the_request_model_is_unbounded(tmp_path: Path, body: str, expected: set[str]) -> None:
    assert codes(tmp_path, REQUEST_MODEL.format(body=body)) == expected


def test_a_name_bound_to_a_wrapper_of_an_upload_is_unbounded(tmp_path: Path) -> None:
    body = ("    rows = list(csv.DictReader(io.TextIOWrapper(request.files['f'].stream)))\n"
            "    for row in rows:\n        db.session.add(User(name=row['name']))")
    assert codes(tmp_path, HELPERS.format(body=body)) == {"GAL114!"}


def test_a_third_party_django_manager_is_a_whole_table(tmp_path: Path) -> None:
    """django-model-utils' InheritanceManager (volume.yaml `unbounded`): its querysets are whole tables."""
    source = DJANGO.replace("    tags = models.ManyToManyField(\"Tag\")\n",
                            "    tags = models.ManyToManyField(\"Tag\")\n    objects = InheritanceManager()\n")
    source = "from model_utils.managers import InheritanceManager\n" + source
    body = "    for item in Item.objects.filter(name='a'):\n        writer.writerow([item.name])"
    assert codes(tmp_path, source.format(body=body)) == {"GAL114!"}
    body = "    for item in Item.objects.filter(name='a')[:10]:\n        writer.writerow([item.name])"
    assert codes(tmp_path, source.format(body=body)) == set()


@pytest.mark.parametrize("body, expected", [
    # Rows validated in a first loop over the upload, saved in a second one over the list it filled.
    ("    checked = []\n    for line in csv.DictReader(io.StringIO(request.files['f'].read().decode())):\n"
     "        checked.append(line)\n    for line in checked:\n        db.session.add(User(name=line['name']))",
     {"GAL114!"}),
    ("    checked = []\n    for name in ('a', 'b'):\n        checked.append(name)\n"
     "    for name in checked:\n        db.session.add(User(name=name))", set()),
])
def test_a_list_filled_in_a_loop_over_an_unbounded_collection_grows_with_it(tmp_path: Path, body: str,
                                                                             expected: set[str]) -> None:
    assert codes(tmp_path, HELPERS.format(body=body)) == expected


PARTS = """\
import requests
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
db = SQLAlchemy(app)


class Challenge(db.Model):
    pass


class ChallengeFiles(db.Model):
    pass


class Events(db.Model):
    pass


class ChallengeEvents(db.Model):
    pass


def delete_file(row):
    requests.delete(row.location, timeout=5)
    db.session.delete(row)
    db.session.commit()


@app.delete("/challenges/<int:challenge_id>")
def delete(challenge_id):
    challenge = Challenge.query.filter_by(id=challenge_id).first_or_404()
{body}
    return ""
"""


@pytest.mark.parametrize("body, expected", [
    # One challenge's own files: a query of the part table named after the parent it is filtered
    # by (volume.yaml parent-keys) is the relation `challenge.files`, a few rows: the remote
    # delete stays one bounded call (a warning), the commit per file no batch.
    ("    files = ChallengeFiles.query.filter_by(challenge_id=challenge.id).all()\n"
     "    for f in files:\n        delete_file(f)", {"GAL106?"}),
    ("    for f in db.session.query(ChallengeFiles).filter_by(challenge_id=challenge_id):\n        delete_file(f)",
     {"GAL106?"}),
    # Not the parent's own part table: one user's events, filtered by a key named after another
    # table, or through another relation.
    ("    for f in Events.query.filter_by(challenge_id=challenge.id).all():\n        delete_file(f)",
     {"GAL106!", "GAL114!"}),
    ("    for f in ChallengeFiles.query.filter_by(owner_id=challenge.owner_id).all():\n        delete_file(f)",
     {"GAL106!", "GAL114!"}),
    ("    for f in ChallengeFiles.query.filter_by(challenge__kind=challenge.kind).all():\n        delete_file(f)",
     {"GAL106!", "GAL114!"}),
    # The whole part table, or a constant filter, are still every row.
    ("    for f in ChallengeFiles.query.all():\n        delete_file(f)", {"GAL106!", "GAL114!"}),
    ("    for f in ChallengeFiles.query.filter_by(challenge_id=1).all():\n        delete_file(f)",
     {"GAL106!", "GAL114!"}),
    # The parent's plural is the parent table itself, not a part of it.
    ("    for f in Challenge.query.filter_by(challenge_id=challenge.id).all():\n        delete_file(f)",
     {"GAL106!", "GAL114!"}),
])
def test_one_parents_own_parts_are_bounded(tmp_path: Path, body: str, expected: set[str]) -> None:
    assert codes(tmp_path, PARTS.format(body=body)) == expected


def test_parent_keys_are_read() -> None:
    assert build_volume({"parent-keys": ["_id"]}).parent_keys == ("_id",)

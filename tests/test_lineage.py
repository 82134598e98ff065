"""Relations and how the project fills them (analysis/lineage.py, django.yaml `relations`): a loop
over a parent's relation yields children, and is as long as the data only when the project
creates those children one per row of an unbounded collection, with the same parent."""
from __future__ import annotations

from pathlib import Path

import pytest

from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.analysis.evaluate import Evaluator
from greenit_async_lint.analysis.ir import Name
from greenit_async_lint.analysis.project import Ctx, Project
from greenit_async_lint.analysis.summarize import summarize
from greenit_async_lint.analysis.values import Instance
from greenit_async_lint.catalogue import CatalogueError, load_catalogue
from greenit_async_lint.catalogue.relations import parse_relations
from greenit_async_lint.config import Config

MODELS = """\
import csv
import io
from django.db import models
from django.urls import path


class Job(models.Model):
    pass


class Item(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")


class Note(models.Model):
    job = models.ForeignKey("Job", on_delete=models.CASCADE)


def fill(job, rows):
{fill}


def view(request, pk):
    job = Job.objects.get(pk=pk)
    for item in job.{relation}:
        item.save()
    return None


urlpatterns = [path("x", view)]
"""

ONE_PER_UPLOADED_ROW = "    for row in csv.reader(io.TextIOWrapper(rows)):\n        Item(job=job).save()"


def codes(tmp_path: Path, source: str) -> set[str]:
    (tmp_path / "app.py").write_text(source)
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    return {f"{f.code}{'!' if f.severity == 'violation' else '?'}" for f in report.findings}


# `fill` is no handler: only the view's loop over the relation can be reported.
@pytest.mark.parametrize("fill, relation, expected", [
    (ONE_PER_UPLOADED_ROW, "items.all()", {"GAL114!"}),
    (ONE_PER_UPLOADED_ROW, "items.filter(job__isnull=False)", {"GAL114!"}),
    ("    for row in csv.reader(io.TextIOWrapper(rows)):\n        Note.objects.create(job=job)", "note_set.all()",
     {"GAL114!"}),
    # One child per call: the relation holds what the users added one by one.
    ("    Item(job=job).save()", "items.all()", set()),
    # One child per parent: each row of the whole table gets its own.
    ("    for other in Job.objects.all():\n        Item(job=other).save()", "items.all()", set()),
    # Children of another relation: the notes are not filled per row.
    (ONE_PER_UPLOADED_ROW, "note_set.all()", set()),
    (ONE_PER_UPLOADED_ROW, "items.all()[:20]", set()),
    # The parent by its key (volume.yaml `parent-keys`), through each of django.yaml `relations.creates`.
    ("    for row in csv.reader(io.TextIOWrapper(rows)):\n        Item.objects.create(job_id=job.id)", "items.all()",
     {"GAL114!"}),
    ("    for row in csv.reader(io.TextIOWrapper(rows)):\n        Note.objects.update_or_create(job=job)",
     "note_set.all()", {"GAL114!"}),
])
def test_a_relation_is_as_long_as_the_rows_its_children_were_created_from(tmp_path: Path, fill: str, relation: str,
                                                                          expected: set[str]) -> None:
    assert codes(tmp_path, MODELS.format(fill=fill, relation=relation)) == expected


def test_a_helper_creating_one_child_called_per_uploaded_row_counts(tmp_path: Path) -> None:
    fill = "    for row in csv.reader(io.TextIOWrapper(rows)):\n        add(job, row)\n\n\ndef add(job, row):\n    Item(job=job).save()"
    assert codes(tmp_path, MODELS.format(fill=fill, relation="items.all()")) == {"GAL114!"}


def test_a_loop_over_a_relation_binds_the_child_model() -> None:
    source = MODELS.format(fill="    pass", relation="items.all()")
    ev = Evaluator(Project([summarize(source.encode(), "app.py", "app", False)]), load_catalogue())
    assert [(v.qualname) for v in ev.eval(Name("n", "item"), Ctx(0, "view")) if isinstance(v, Instance)] == ["Item"]


def test_a_parent_named_by_a_string_is_a_top_level_class_of_that_name() -> None:
    """As the ORM's registry resolves it (relationships.py `classes_named`): a class of that name
    nested in another class or defined in a function is no parent."""
    source = MODELS.format(fill="    pass", relation="items.all()") + (
        "\n\nclass Archive:\n    class Job(models.Model):\n        pass\n"
        "\n\ndef legacy():\n    class Job(models.Model):\n        pass\n    return Job\n")
    ev = Evaluator(Project([summarize(source.encode(), "app.py", "app", False)]), load_catalogue())
    assert sorted(parent[1] for parent, name in ev.relations.index() if name == "note_set") == ["Job"]
    assert ev.relations.creates == {"create", "get_or_create", "update_or_create"}  # django.yaml's, by their tails


def test_the_relations_section_is_checked_by_key() -> None:
    rules = parse_relations({"fields": ["orm.ForeignKey"], "parent": {"arg": 0}}, "x")
    assert rules is not None and rules.default_name == "{child}_set"
    with pytest.raises(CatalogueError, match=r"x\.default_name"):
        parse_relations({"fields": ["orm.ForeignKey"], "parent": {"arg": 0}, "default_name": "children"}, "x")
    with pytest.raises(CatalogueError, match="needs `parent`"):
        parse_relations({"fields": ["orm.ForeignKey"]}, "x")

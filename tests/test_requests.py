"""The framework's request behind an unannotated `request` parameter (analysis/requests.py, the
`request` section of rules/frameworks/*.yaml): its type, and the rows of what the client sent as
unbounded collections of the data-volume family (GAL114)."""
from __future__ import annotations

from pathlib import Path

import pytest

from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.analysis.evaluate import Evaluator
from greenit_async_lint.analysis.ir import Name
from greenit_async_lint.analysis.project import Ctx, Project
from greenit_async_lint.analysis.summarize import summarize
from greenit_async_lint.analysis.values import External
from greenit_async_lint.catalogue import CatalogueError, load_catalogue
from greenit_async_lint.catalogue.requests import parse_request
from greenit_async_lint.config import Config

DJANGO = """\
import csv
import io
import json
from django.db import models
from django.urls import path


class Item(models.Model):
    name = models.CharField(max_length=10)


def view(request):
{body}
    return None


urlpatterns = [path("x", view)]
"""

PYRAMID = """\
import json
from pyramid.view import view_config
from sqlalchemy.orm import sessionmaker

Session = sessionmaker()


def make_session(request):
    return Session()


def includeme(config):
    config.add_request_method(config.registry.settings.get("db.factory", make_session), name="db", reify=True)


@view_config(route_name="x")
def view(request):
{body}
    return {{}}
"""


def codes(tmp_path: Path, source: str) -> set[str]:
    (tmp_path / "app.py").write_text(source)
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    return {f"{f.code}{'!' if f.severity == 'violation' else '?'}" for f in report.findings}


ROWS = {
    "an uploaded JSON file": "    for entry in json.load(request.FILES['f']):\n        Item.objects.create(name=entry)",
    "an uploaded JSON file bound to a name": ("    entries = json.load(request.FILES['f'])\n"
                                              "    for entry in entries:\n        Item(name=entry).save()"),
    "a pasted list": "    for name in request.POST['names'].split():\n        Item.objects.get_or_create(name=name)",
    "a pasted list through get": ("    names = request.POST.get('names', '').splitlines()\n"
                                  "    for name in names:\n        Item.objects.get_or_create(name=name)"),
    "a posted JSON body": "    for entry in json.loads(request.body)['items']:\n        Item.objects.create(name=entry)",
    "an upload's lines": ("    for line in request.FILES['f'].read().decode().splitlines():\n"
                          "        Item.objects.create(name=line)"),
    "enumerate over a pasted list": ("    for i, name in enumerate(request.POST['names'].split()):\n"
                                     "        Item.objects.create(name=name)"),
}

PICKS = {
    "the boxes the user ticked": "    for pk in request.POST.getlist('ids'):\n        Item.objects.filter(pk=pk).delete()",
    "the files the user picked": "    for upload in request.FILES.getlist('files'):\n        Item.objects.create(name=upload.name)",
    "the form's own fields": "    for key, value in request.POST.items():\n        Item.objects.create(name=key)",
    "the form's keys": "    for key in request.GET:\n        Item.objects.create(name=key)",
    "a slice of a pasted list": "    for name in request.POST['names'].split()[:10]:\n        Item.objects.create(name=name)",
    "one field": "    Item.objects.create(name=request.POST['name'])",
    "a helper's result": "    for name in sorted(request.POST['names']):\n        Item.objects.create(name=name)",
}


@pytest.mark.parametrize("body", ROWS.values(), ids=list(ROWS))
def test_per_row_work_over_what_the_client_sent_is_a_violation(tmp_path: Path, body: str) -> None:
    assert codes(tmp_path, DJANGO.format(body=body)) == {"GAL114!"}


@pytest.mark.parametrize("body", PICKS.values(), ids=list(PICKS))
def test_what_the_user_picked_or_filled_in_is_bounded(tmp_path: Path, body: str) -> None:
    assert codes(tmp_path, DJANGO.format(body=body)) == set()


@pytest.mark.parametrize("body, expected", [
    ("    for name in request.POST.get('names', '').split():\n        request.db.add(name)", {"GAL114!"}),
    ("    for item in request.json_body['items']:\n        request.db.merge(item)", {"GAL114!"}),
    ("    for name in request.params.getall('names'):\n        request.db.add(name)", set()),
    ("    for key in request.json_body:\n        request.db.add(key)", set()),
])
def test_a_pyramid_view_and_its_session_from_a_setting_with_a_default(tmp_path: Path, body: str,
                                                                     expected: set[str]) -> None:
    assert codes(tmp_path, PYRAMID.format(body=body)) == expected


def _value(source: str, function: str, name: str) -> set[str]:
    ev = Evaluator(Project([summarize(source.encode(), "app.py", "app", False)]), load_catalogue())
    return {v.name for v in ev.eval(Name("n", name), Ctx(0, function)) if isinstance(v, External)}


def test_an_unannotated_request_parameter_is_the_frameworks_request() -> None:
    source = "from django.http import JsonResponse\n\ndef view(request, pk):\n    return JsonResponse({})\n"
    assert _value(source, "view", "request") == {"django.http.HttpRequest"}
    assert _value(source, "view", "pk") == set()


def test_a_project_that_does_not_import_the_framework_has_no_such_request() -> None:
    source = "import requests\n\ndef send(request):\n    return requests.post(request.url)\n"
    assert _value(source, "send", "request") == set()


def test_an_annotation_wins_over_the_convention() -> None:
    source = "import requests\nfrom django.http import JsonResponse\n\ndef send(request: requests.Request):\n    pass\n"
    assert _value(source, "send", "request") == {"requests.Request"}


def test_a_setting_lookup_with_a_default_gives_the_default() -> None:
    source = "def make():\n    pass\n\ndef includeme(config):\n    factory = config.registry.settings.get('f', make)\n"
    ev = Evaluator(Project([summarize(source.encode(), "app.py", "app", False)]), load_catalogue())
    assert [getattr(v, "qualname", None) for v in ev.eval(Name("n", "factory"), Ctx(0, "includeme"))] == ["make"]


def test_the_request_section_is_checked_by_key() -> None:
    rule = parse_request({"type": "micro.Request", "parameters": ["req"], "bodies": ["body"], "fields": ["form"]}, "x")
    assert rule is not None and rule.package == "micro" and rule.fields == ("form",)
    with pytest.raises(CatalogueError, match=r"x\.data"):
        parse_request({"type": "micro.Request", "data": ["POST"]}, "x")
    with pytest.raises(CatalogueError, match=r"x\.type"):
        parse_request({"type": "Request"}, "x")

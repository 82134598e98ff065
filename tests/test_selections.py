"""A selection by ids (`filter(id__in=ids)`) is as many rows as the user picked, unless the code
collected the ids from a whole table ("select all"): then it is that table (volume.py `selected`)."""
from __future__ import annotations

from pathlib import Path

from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.config import Config

MODELS = """\
from django.db import models


class Photo(models.Model):
    trashed = models.BooleanField(default=False)
"""

VIEWS = """\
from django.http import HttpResponse
from django.urls import path

from .models import Photo


def restore(request):
    ids = {ids}
    for photo in Photo.objects.filter(id__in=ids):
        photo.save()
    return HttpResponse("restored")


urlpatterns = [path("restore", restore)]
"""


def _findings(tmp_path: Path, ids: str) -> list[tuple[str, int, str]]:
    app = tmp_path / "gallery"
    app.mkdir()
    (app / "__init__.py").write_text("", "utf-8")
    (app / "models.py").write_text(MODELS, "utf-8")
    (app / "views.py").write_text(VIEWS.format(ids=ids), "utf-8")
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    return sorted((f.code, f.line, f.severity) for f in report.findings)


def test_ids_collected_from_a_whole_table_select_the_table(tmp_path: Path) -> None:
    found = _findings(tmp_path, "[p.id for p in Photo.objects.filter(trashed=True)]")
    assert found == [("GAL114", 10, "violation")]


def test_ids_of_a_values_list_of_a_whole_table_select_the_table(tmp_path: Path) -> None:
    found = _findings(tmp_path, "list(Photo.objects.filter(trashed=True).values_list('pk', flat=True))")
    assert found == [("GAL114", 10, "violation")]


def test_ids_the_user_ticked_are_a_pick(tmp_path: Path) -> None:
    assert _findings(tmp_path, "request.POST.getlist('ids')") == []

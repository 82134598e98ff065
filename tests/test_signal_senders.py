"""A signal receiver runs for the senders it was connected with (analysis/signals.py): one
connected only for an outside class (`sender=User` from django.contrib.auth) never runs when a
project model is saved or deleted; one connected for the project model does."""
from __future__ import annotations

from pathlib import Path

from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.config import Config

MODELS = """\
import requests
from django.contrib.auth.models import User
from django.db import models
from django.db.models.signals import post_delete


class Photo(models.Model):
    title = models.CharField(max_length=100)


def purge_account(sender, instance, **kwargs):
    requests.post("https://hooks.example.com/purge", timeout=10)


def purge_photo(sender, instance, **kwargs):
    requests.post("https://cdn.example.com/purge", timeout=10)


post_delete.connect(purge_account, sender=User)
post_delete.connect({photo_receiver}, sender=Photo)
"""

VIEWS = """\
from django.http import HttpResponse
from django.urls import path

from .models import Photo


def delete_photo(request, pk):
    Photo.objects.get(pk=pk).delete()
    return HttpResponse("deleted")


urlpatterns = [path("photos/<int:pk>/delete", delete_photo)]
"""


def _leaves(tmp_path: Path, photo_receiver: str) -> list[str]:
    app = tmp_path / "gallery"
    app.mkdir()
    (app / "__init__.py").write_text("", "utf-8")
    (app / "models.py").write_text(MODELS.format(photo_receiver=photo_receiver), "utf-8")
    (app / "views.py").write_text(VIEWS, "utf-8")
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    return sorted(" -> ".join(h.call for h in f.chain) for f in report.findings)


def test_a_receiver_for_an_outside_class_does_not_run_when_a_project_model_is_deleted(tmp_path: Path) -> None:
    chains = _leaves(tmp_path, "purge_photo")
    assert len(chains) == 1 and "purge_photo" in chains[0]
    assert not any("purge_account" in c for c in chains)


def test_the_same_receiver_connected_for_the_project_model_too_runs(tmp_path: Path) -> None:
    chains = _leaves(tmp_path, "purge_account")  # connected for User and for Photo
    assert len(chains) == 1 and "purge_account" in chains[0]


# A queryset's delete() sends pre_delete and post_delete for every row it deletes (volume.yaml
# `row-by-row`, signals.py `per_row`): the receivers' work runs as in a loop over the queryset.
TRASH_MODELS = """\
import requests
from django.db import models
from django.db.models.signals import post_delete


class Photo(models.Model):
    trashed = models.BooleanField(default=False)


class Tag(models.Model):
    name = models.CharField(max_length=50)


def purge_photo(sender, instance, **kwargs):
    requests.post("https://cdn.example.com/purge", timeout=10)


post_delete.connect(purge_photo, sender=Photo)
"""

TRASH_VIEWS = """\
from django.http import HttpResponse
from django.urls import path

from .models import Photo, Tag


def empty(request, pk):
    {statement}
    return HttpResponse("emptied")


urlpatterns = [path("trash/<int:pk>/empty", empty)]
"""


def _deleted(tmp_path: Path, statement: str) -> list[tuple[str, str, str]]:
    app = tmp_path / "trash"
    app.mkdir()
    (app / "__init__.py").write_text("", "utf-8")
    (app / "models.py").write_text(TRASH_MODELS, "utf-8")
    (app / "views.py").write_text(TRASH_VIEWS.format(statement=statement), "utf-8")
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    return sorted((f.code, f.severity, f.weight) for f in report.findings)


def test_a_queryset_delete_runs_the_receivers_once_per_row(tmp_path: Path) -> None:
    found = _deleted(tmp_path, "Photo.objects.filter(trashed=True).delete()")
    assert found == [("GAL106", "violation", "heavy")]


def test_a_queryset_delete_by_primary_key_runs_them_once(tmp_path: Path) -> None:
    assert _deleted(tmp_path, "Photo.objects.filter(pk=pk).delete()") == [("GAL106", "warning", "blocking")]


def test_a_queryset_delete_of_another_model_runs_no_receiver_of_photo(tmp_path: Path) -> None:
    """The queryset's model is the sender: Tag rows deleted do not purge photos."""
    assert _deleted(tmp_path, "Tag.objects.filter(name='old').delete()") == []

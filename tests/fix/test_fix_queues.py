"""Which task queue a project uses: from its imports and from each dependency file format."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenit_async_lint.fix.queues import _IMPORT, dependency_names, detect, imported_modules, normalise
from greenit_async_lint.fix.rules import load_remedies

from fixtools import FIXTURES


def _detect(*folders: Path) -> list[str]:
    return [q.name for q in detect(list(folders), load_remedies()).queues]


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_imported_modules_reads_every_import_form():
    text = "import os, sys as system\nfrom rq import Queue\n  from .local import x\nimport dramatiq.brokers\n"
    assert set(imported_modules(text)) == {"os", "sys", "rq", "dramatiq.brokers"}


def _every_match(text: str) -> list[str]:
    """What the pattern names trying every character of the text (re.finditer), as it was read."""
    out = []
    for match in _IMPORT.finditer(text):
        if match.group(1):
            if not match.group(1).startswith("."):
                out.append(match.group(1))
            continue
        out.extend(n for part in match.group(2).split(",") if (n := part.strip().split(" ")[0].strip("()\\ ")))
    return out


_PIECES = ["import", "from", " ", "\t", "\n", "\r\n", "\r", "os", "a.b", ".", ",", "(", ")", "#", ";", " as ", "x",
           "importx", "'import y'", "\\"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_imports_are_read_at_line_starts_as_the_pattern_reads_them_everywhere(text: str) -> None:
    """The pattern is tried only where a line holding `import` starts: the same names, in the
    same order, as trying it at every character."""
    assert list(imported_modules(text)) == _every_match(text)


def test_package_names_are_normalised():
    assert normalise("Django_RQ") == normalise("django.rq") == "django-rq"


@pytest.mark.parametrize("files, expected", [
    ({"requirements.txt": "flask==3.0\ncelery[redis]>=5.3  # worker\n-r base.txt\n"}, "celery"),
    ({"requirements/prod.txt": "django-rq==2.10\n"}, "rq"),
    ({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["dramatiq[redis]>=1.15"]\n'}, "dramatiq"),
    ({"pyproject.toml": '[project]\nname = "x"\n[project.optional-dependencies]\nworker = ["huey"]\n'}, "huey"),
    ({"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\nDjango-Q2 = "^1.6"\n'}, "django-q"),
    ({"pyproject.toml": '[tool.poetry.group.worker.dependencies]\narq = "*"\n'}, "arq"),
    ({"setup.cfg": "[options]\ninstall_requires =\n    flask\n    rq>=1.15\n"}, "rq"),
    ({"Pipfile": '[packages]\ncelery = "*"\n'}, "celery"),
])
def test_dependency_files_declare_a_queue(tmp_path, files, expected):
    _write(tmp_path, {**files, "app.py": "import flask\n"})
    assert _detect(tmp_path) == [expected]


def test_a_broken_dependency_file_is_ignored(tmp_path):
    _write(tmp_path, {"pyproject.toml": "[project\nname=", "Pipfile": "[[[", "app.py": "x = 1\n"})
    assert dependency_names(tmp_path) == {}
    assert _detect(tmp_path) == []


def test_imports_outrank_declarations_and_the_most_imported_queue_wins(tmp_path):
    _write(tmp_path, {
        "requirements.txt": "celery\n",
        "a.py": "from rq import Queue\n",
        "b.py": "import rq\n",
        "c.py": "from dramatiq import actor\n",
    })
    assert _detect(tmp_path) == ["rq", "dramatiq", "celery"]


def test_django_tasks_framework_is_found_by_its_module(tmp_path):
    _write(tmp_path, {"app/tasks.py": "from django.tasks import task\n", "app/__init__.py": ""})
    assert _detect(tmp_path) == ["django-tasks"]


def test_excluded_folders_do_not_count(tmp_path):
    _write(tmp_path, {".venv/lib/celery_app.py": "import celery\n", "app.py": "import flask\n"})
    assert _detect(tmp_path) == []


def test_fixture_apps_use_the_queues_they_import():
    assert _detect(FIXTURES / "django_reports")[0] == "celery"
    assert _detect(FIXTURES / "flask_shop")[0] == "celery"
    assert _detect(FIXTURES / "fastapi_media")[0] == "celery"


def test_each_app_of_a_folder_gets_its_own_queue(tmp_path):
    """A folder of several apps: code in each package gets the queue that package imports."""
    _write(tmp_path, {
        "billing/__init__.py": "", "billing/jobs.py": "from rq import Queue\n", "billing/views.py": "x = 1\n",
        "mail/__init__.py": "", "mail/jobs.py": "from celery import shared_task\n", "mail/a.py": "import celery\n",
        "mail/views.py": "x = 1\n",
    })
    stack = detect([tmp_path], load_remedies())
    assert stack.primary.name == "celery"  # two importing files against one
    assert stack.primary_for(tmp_path / "billing" / "views.py").name == "rq"
    assert stack.primary_for(tmp_path / "mail" / "views.py").name == "celery"


def test_a_queue_module_matches_itself_and_its_submodules_only(tmp_path):
    _write(tmp_path, {
        "a.py": "from celery.app.task import Task\n",  # inside celery
        "b.py": "import celeryx, rqlite\nimport dramatiq_extra.actors\n",  # names that only start alike
        "c.py": "from django import tasks\nimport django_rq\n",  # `django` is not `django.tasks`
    })
    stack = detect([tmp_path], load_remedies())
    assert [q.name for q in stack.queues] == ["celery", "rq"]
    assert stack.evidence == {"celery": [(tmp_path / "a.py").as_posix()], "rq": [(tmp_path / "c.py").as_posix()]}

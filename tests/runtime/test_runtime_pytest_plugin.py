"""The pytest plugin: inert by default; once enabled, test clients are timed and a report is written."""
from __future__ import annotations

import json
import os
import subprocess
import sys

INNER_TESTS = '''
import time
import django
from django.conf import settings

settings.configure(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"], SECRET_KEY="x", DATABASES={})
django.setup()

from django.http import HttpResponse
from django.urls import path
from flask import Flask
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient


def django_view(request, pk):
    return HttpResponse("dj")

urlpatterns = [path("dj/<int:pk>/", django_view)]

flask_app = Flask(__name__)

@flask_app.get("/fl/<name>")
def flask_view(name):
    return "fl"


async def blocking(request):
    time.sleep(0.3)  # holds the event loop for 300 ms
    return PlainTextResponse("st")

starlette_app = Starlette(routes=[Route("/st", blocking)])


def test_clients():
    from django.test import Client
    assert Client().get("/dj/1/").content == b"dj"
    assert flask_app.test_client().get("/fl/bob").data == b"fl"
    assert TestClient(starlette_app).get("/st").text == "st"
'''


def _run(tmp_path, *args, env=None):
    (tmp_path / "test_inner.py").write_text(INNER_TESTS)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GREENIT_RUNTIME")}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, env=environ)


def test_enabled_plugin_times_flask_django_and_starlette_clients(tmp_path):
    done = _run(tmp_path, "--greenit-runtime", "--greenit-runtime-dir", "out")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "greenit runtime: 0 of 3 requests waited 60 s or more" in done.stdout
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    routes = {(r["route"], r["count"]) for r in report["routes"]}
    assert routes == {("/dj/<int:pk>/", 1), ("/fl/<name>", 1), ("/st", 1)}
    (stall,) = report["findings"]
    assert stall["severity"] == "loop-stall" and stall["route"] == "/st"
    assert stall["handler"]["qualname"] == "blocking" and stall["leaf"]["call"] == "time.sleep"
    assert stall["leaf"]["path"] == "test_inner.py"


def test_plugin_is_inert_unless_enabled_and_env_zero_wins(tmp_path):
    done = _run(tmp_path)
    assert done.returncode == 0 and "greenit runtime" not in done.stdout
    assert not (tmp_path / "greenit-runtime").exists()
    done = _run(tmp_path, "--greenit-runtime", env={"GREENIT_RUNTIME": "0"})
    assert done.returncode == 0 and not (tmp_path / "greenit-runtime").exists()


def test_plugin_module_imports_nothing_heavy():
    code = ("import sys, greenit_async_lint.runtime.pytest_plugin; "
            "heavy = {'flask', 'django', 'starlette', 'fastapi', 'anyio', 'asyncio', 'yaml', "
            "'greenit_async_lint.runtime.watchdog'} & set(sys.modules); print(sorted(heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr

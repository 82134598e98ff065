"""Edge cases of the codemods, each on a small project: where a fix must be made differently
(parentheses, columns after non-ASCII text, parameters with defaults), and where it must not be
made at all (the reason is then given)."""
from __future__ import annotations

import ast
import sys

import textwrap
from pathlib import Path

from greenit_async_lint.fix.apply import plan_report

from fixtools import analyse

FASTAPI = "from fastapi import FastAPI\n\napp = FastAPI()\n"


def _fix(tmp_path: Path, code: str, unsafe: bool = False, extra: dict | None = None):
    (tmp_path / "app.py").write_text(textwrap.dedent(code))
    for name, text in (extra or {}).items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    run = plan_report(analyse(tmp_path), unsafe=unsafe, cwd=tmp_path)
    new = {src.path.name: text for src, text in run.rendered.values()}
    reasons = {f"{o.finding.code} {o.finding.handler.qualname}": [r for _, r in o.refused] for o in run.outcomes}
    return new, reasons


def test_an_awaited_call_whose_result_is_used_at_once_is_parenthesised(tmp_path):
    new, _ = _fix(tmp_path, """\
        import requests
        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/code")
        async def code(url: str):
            return {"code": requests.get(url).status_code}
        """)
    assert '"code": (await asyncio.to_thread(requests.get, url, timeout=10)).status_code' in new["app.py"]


def test_columns_after_non_ascii_text_still_find_the_call(tmp_path):
    new, _ = _fix(tmp_path, """\
        import time
        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/cafe")
        async def cafe():
            label = "café crème"; time.sleep(1)
            return {"label": label}
        """)
    assert 'label = "café crème"; await asyncio.sleep(1)' in new["app.py"]


def test_one_call_with_two_findings_is_wrapped_once(tmp_path):
    new, _ = _fix(tmp_path, """\
        import requests
        from fastapi import FastAPI

        app = FastAPI()


        def sync_and_log(url):
            with open("/var/log/sync.log", "a") as log:
                log.write(url)
            return requests.get(url, timeout=5).status_code


        @app.post("/sync")
        async def sync(url: str):
            return {"status": sync_and_log(url)}
        """)
    assert new["app.py"].count("asyncio.to_thread") == 1
    assert '{"status": await asyncio.to_thread(sync_and_log, url)}' in new["app.py"]


def test_no_thread_for_a_call_that_also_carries_heavy_work(tmp_path):
    new, reasons = _fix(tmp_path, """\
        import shutil
        from fastapi import FastAPI

        app = FastAPI()


        def export(folder):
            note = open(folder + "/NOTE").read()
            return shutil.make_archive("/tmp/export", "zip", folder), note


        @app.post("/export")
        async def run_export(folder: str):
            return {"archive": export(folder)}
        """)
    assert new == {}
    assert any("heavy work also runs through this call" in r for r in reasons["GAL109 run_export"])


def test_no_thread_inside_a_comprehension(tmp_path):
    new, reasons = _fix(tmp_path, """\
        import requests
        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/two")
        async def two():
            return [requests.get(u, timeout=2).status_code for u in ("https://a.example", "https://b.example")]
        """)
    assert new == {}
    assert any("lambda or comprehension" in r for r in reasons["GAL106 two"])


def test_no_lambda_over_a_module_global_that_is_rebound(tmp_path):
    new, reasons = _fix(tmp_path, """\
        from fastapi import FastAPI

        app = FastAPI()
        CURRENT = "/srv/a.txt"


        def rotate(path):
            global CURRENT
            CURRENT = path


        @app.get("/current")
        async def current():
            return {"text": open(CURRENT).read()}
        """)
    assert new == {}
    assert any("`CURRENT` is not local to the handler" in r for r in reasons["GAL109 current"])


def test_a_sleep_in_a_sync_helper_is_left_with_the_reason(tmp_path):
    new, reasons = _fix(tmp_path, """\
        import time
        from fastapi import FastAPI

        app = FastAPI()


        def pause():
            time.sleep(1)


        @app.get("/wait")
        async def wait():
            pause()
            return {}
        """)
    assert new == {}
    assert any("inside the sync helper `pause`" in r for r in reasons["GAL108 wait"])


def test_background_parameter_goes_before_the_defaults_and_avoids_taken_names(tmp_path):
    new, _ = _fix(tmp_path, """\
        import requests
        from fastapi import FastAPI

        app = FastAPI()


        @app.post("/ping/{item}")
        def ping(item: int, background_tasks: str = "x", *, verbose: bool = False):
            requests.post("https://hooks.example.com", json={"item": item, "tag": background_tasks}, timeout=5)
            return {"item": item}
        """, unsafe=True)
    text = new["app.py"]
    assert ("def ping(item: int, background_tasks_2: BackgroundTasks, background_tasks: str = \"x\", *, "
            "verbose: bool = False):") in text
    assert "background_tasks_2.add_task(requests.post, " in text
    assert "from fastapi import BackgroundTasks, FastAPI" in text


def test_background_parameter_for_an_endpoint_without_parameters(tmp_path):
    new, _ = _fix(tmp_path, """\
        import requests
        from fastapi import FastAPI

        app = FastAPI()


        @app.post("/ping")
        def ping():
            requests.post("https://hooks.example.com", timeout=5)
            return {}
        """, unsafe=True)
    assert "def ping(background_tasks: BackgroundTasks):" in new["app.py"]


def test_no_background_task_inside_try(tmp_path):
    new, reasons = _fix(tmp_path, """\
        import requests
        from fastapi import FastAPI

        app = FastAPI()


        @app.post("/ping")
        def ping():
            try:
                requests.post("https://hooks.example.com", timeout=5)
            except requests.RequestException:
                return {"ok": False}
            return {"ok": True}
        """, unsafe=True)
    assert new == {}
    assert any("inside `try`/`with`" in r for r in reasons["GAL106 ping"])


CELERY = {"tasks.py": "from celery import shared_task\n"}


def _move(tmp_path, body: str, head: str = "from flask import Flask\n\napp = Flask(__name__)\n"):
    code = "import shutil\n" + head + "\n\n" + textwrap.dedent(body)
    return _fix(tmp_path, code, unsafe=True, extra=CELERY)


def test_move_refused_for_the_view_instance(tmp_path):
    new, reasons = _move(tmp_path, """\
        from flask.views import MethodView


        class Export(MethodView):
            folder = "/srv"

            def post(self):
                shutil.make_archive("/tmp/x", "zip", self.folder)
                return {"done": True}


        app.add_url_rule("/export", view_func=Export.as_view("export"))
        """)
    assert new == {}
    assert any("`self` (the view instance)" in r for r in reasons["GAL104 Export.post"])


def test_move_refused_for_an_early_response(tmp_path):
    new, reasons = _move(tmp_path, """\
        @app.post("/export/<name>")
        def export(name: str):
            if name == "all":
                return {"error": "too big"}, 400
            shutil.make_archive("/tmp/" + name, "zip", "/srv/" + name)
            return {"done": True}
        """)
    assert new == {}
    assert any("returns from inside its work" in r for r in reasons["GAL104 export"])


def test_move_refused_for_a_name_of_the_views_module(tmp_path):
    new, reasons = _move(tmp_path, """\
        ROOT = "/srv"


        @app.post("/export")
        def export():
            shutil.make_archive("/tmp/x", "zip", ROOT)
            return {"done": True}
        """)
    assert new == {}
    assert any("uses `ROOT`, defined in app.py" in r for r in reasons["GAL104 export"])


def test_move_refused_for_an_injected_dependency_and_an_upload(tmp_path):
    head = ("from fastapi import Depends, FastAPI, UploadFile\n\napp = FastAPI()\n\n\n"
            "def folder() -> str:\n    return '/srv'\n")
    new, reasons = _move(tmp_path, """\
        @app.post("/a")
        def a(root: str = Depends(folder)):
            shutil.make_archive("/tmp/a", "zip", root)
            return {"done": True}


        @app.post("/b")
        def b(upload: UploadFile):
            shutil.make_archive("/tmp/b", "zip", upload.filename)
            return {"done": True}
        """, head=head)
    assert new == {}
    assert any("injected by the framework" in r for r in reasons["GAL104 a"])
    assert any("`upload: UploadFile` may not be serialisable" in r for r in reasons["GAL104 b"])


def test_move_keeps_typed_parameters(tmp_path):
    new, _ = _move(tmp_path, """\
        @app.post("/export/<int:account>")
        def export(account: int, tag: str | None = None):
            shutil.make_archive(f"/tmp/{account}-{tag}", "zip", "/srv")
            return {"account": account}
        """)
    tasks = new["tasks.py"]
    assert "def export_task(account: int, tag: str | None):" in tasks
    assert 'shutil.make_archive(f"/tmp/{account}-{tag}", "zip", "/srv")' in tasks
    assert "job = export_task.delay(account, tag)" in new["app.py"]
    assert "import shutil" not in new["app.py"]


def test_move_for_the_other_queues_writes_their_own_task_and_send(tmp_path):
    """Huey, django-q and Django's tasks framework: the same move, in each queue's own words
    (catalogue data), and the finding is gone afterwards."""
    view = """\
        import shutil
        from django.http import JsonResponse
        from django.urls import path


        def export(request, account: int):
            shutil.make_archive(f"/tmp/{account}", "zip", "/srv")
            return JsonResponse({"account": account})


        urlpatterns = [path("export/<int:account>", export)]
        """
    expected = {
        "huey": ("@huey.task()", "job = export_task(account)", "huey = RedisHuey()"),
        "django-q": ("def export_task(account: int):", "job = async_task(export_task, account)", None),
        "django-tasks": ("@task", "job = export_task.enqueue(account)", None),
    }
    for queue, (decorator, send, instance) in expected.items():
        root = tmp_path / queue
        root.mkdir()
        (root / "requirements.txt").write_text({"huey": "huey\n", "django-q": "django-q2\n",
                                                "django-tasks": "django-tasks\n"}[queue])
        (root / "views.py").write_text(textwrap.dedent(view))
        before = analyse(root)
        run = plan_report(before, unsafe=True, cwd=root)
        written = {src.path.name: text for src, text in run.rendered.values()}
        assert decorator in written["tasks.py"], queue
        assert send in written["views.py"], queue
        assert 'JsonResponse({"status": f"/jobs/' in written["views.py"], queue
        if instance:
            assert instance in written["tasks.py"]
        for text in written.values():
            compile(text, queue, "exec")
        from greenit_async_lint.fix.apply import write

        write(run.rendered)
        assert not [f for f in analyse(root).findings if f.code == "GAL104"], queue


def test_a_codemod_that_fails_is_reported_and_the_others_still_run(tmp_path, monkeypatch):
    from greenit_async_lint.fix import codemod_to_thread
    from greenit_async_lint.fix.apply import INTERNAL_ERROR

    def boom(self, target, changes):
        raise RuntimeError("boom")

    monkeypatch.setattr(codemod_to_thread.ToThread, "plan", boom)
    new, reasons = _fix(tmp_path, """\
        import time

        import requests
        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/a")
        async def a():
            time.sleep(1)
            return requests.get("https://a.example").json()
        """)
    assert "await asyncio.sleep(1)" in new["app.py"]
    assert any(r.startswith(INTERNAL_ERROR) and "RuntimeError: boom" in r for r in reasons["GAL106 a"])


FRAMEWORK_APPS = {
    "drf": (
        """\
        import shutil
        from rest_framework.decorators import api_view


        @api_view(["POST"])
        def export(request, account: int):
            shutil.make_archive(f"/tmp/{account}", "zip", "/srv")
            return {"done": True}
        """,
        'return Response({"status": f"/jobs/{job.id}"}, status=202)',
        "from rest_framework.response import Response",
    ),
    "starlette": (
        """\
        import shutil
        from starlette.applications import Starlette
        from starlette.routing import Route


        async def export(request):
            shutil.make_archive("/tmp/all", "zip", "/srv")
            return {"done": True}


        app = Starlette(routes=[Route("/export", export, methods=["POST"])])
        """,
        'return JSONResponse({"status": f"/jobs/{job.id}"}, status_code=202)',
        "from starlette.responses import JSONResponse",
    ),
    "aiohttp": (
        """\
        import shutil
        from aiohttp import web

        routes = web.RouteTableDef()


        @routes.post("/export")
        async def export(request):
            shutil.make_archive("/tmp/all", "zip", "/srv")
            return {"done": True}
        """,
        'return web.json_response({"status": f"/jobs/{job.id}"}, status=202)',
        "from aiohttp import web",
    ),
    "sanic": (
        """\
        import shutil
        from sanic import Sanic

        app = Sanic("x")


        @app.post("/export/<account:int>")
        async def export(request, account: int):
            shutil.make_archive(f"/tmp/{account}", "zip", "/srv")
            return {"done": True}
        """,
        'return json_response({"status": f"/jobs/{job.id}"}, status=202)',
        "from sanic.response import json as json_response",
    ),
    "litestar": (
        """\
        import shutil
        from litestar import Litestar, post


        @post("/export/{account:int}")
        async def export(account: int) -> dict:
            shutil.make_archive(f"/tmp/{account}", "zip", "/srv")
            return {"done": True}


        app = Litestar([export])
        """,
        'return Response({"status": f"/jobs/{job.id}"}, status_code=202)',
        "Response",
    ),
    "pyramid": (
        """\
        import shutil
        from pyramid.view import view_config


        @view_config(route_name="export", request_method="POST", renderer="json")
        def export(request):
            shutil.make_archive("/tmp/all", "zip", "/srv")
            return {"done": True}
        """,
        'return Response(json_body={"status": f"/jobs/{job.id}"}, status=202)',
        "from pyramid.response import Response",
    ),
    "flask-restful": (
        """\
        import shutil
        from flask import Flask
        from flask_restful import Api, Resource

        app = Flask(__name__)
        api = Api(app)


        class Export(Resource):
            def post(self, account: int):
                shutil.make_archive(f"/tmp/{account}", "zip", "/srv")
                return {"done": True}


        api.add_resource(Export, "/export/<int:account>")
        """,
        'return {"status": f"/jobs/{job.id}"}, 202',
        "from tasks import",
    ),
    "tornado": (
        """\
        import shutil
        import tornado.web


        class ExportHandler(tornado.web.RequestHandler):
            def post(self, account: str):
                shutil.make_archive(f"/tmp/{account}", "zip", "/srv")


        app = tornado.web.Application([(r"/export/(\\w+)", ExportHandler)])
        """,
        'self.set_status(202)\n        self.write({"status": f"/jobs/{job.id}"})\n        return',
        "from tasks import",
    ),
}


def test_each_framework_answers_202_in_its_own_way(tmp_path):
    from greenit_async_lint.fix.apply import write

    for framework, (code, answer, imported) in FRAMEWORK_APPS.items():
        root = tmp_path / framework
        root.mkdir()
        (root / "requirements.txt").write_text("celery\n")
        (root / "app.py").write_text(textwrap.dedent(code))
        run = plan_report(analyse(root), unsafe=True, cwd=root)
        written = {src.path.name: text for src, text in run.rendered.values()}
        assert answer in written["app.py"], framework
        assert imported in written["app.py"], framework
        assert "@shared_task" in written["tasks.py"], framework
        write(run.rendered)
        assert not analyse(root).findings, framework


def _parsed_by_libcst(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """The names of the files the fixer parses with libcst from now on, in order."""
    from greenit_async_lint.fix import source

    parsed: list[str] = []
    real = source.SourceFile.__init__

    def recording(self, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        parsed.append(path.name)
        real(self, path, *args, **kwargs)

    monkeypatch.setattr(source.SourceFile, "__init__", recording)
    return parsed


def test_a_call_with_its_timeout_or_star_arguments_is_refused_without_libcst(tmp_path, monkeypatch):
    """`ast` answers these refusals: libcst's parse of the file (about 15 times `ast`'s) is skipped."""
    from greenit_async_lint.fix.codemod_requests_timeout import HAS_TIMEOUT, PASSES_STARS

    parsed = _parsed_by_libcst(monkeypatch)
    _, reasons = _fix(tmp_path, """\
        import requests
        from flask import Flask

        app = Flask(__name__)
        OPTIONS = {"timeout": 3}


        @app.route("/status")
        def status():
            return requests.get("https://example.com/status", timeout=3).text


        @app.route("/relay")
        def relay():
            return requests.get("https://example.com/relay", **OPTIONS).text
        """)
    assert reasons == {"GAL106 status": [HAS_TIMEOUT], "GAL106 relay": [PASSES_STARS]}
    assert parsed == []


def test_a_with_item_is_refused_a_thread_without_libcst(tmp_path, monkeypatch):
    from greenit_async_lint.fix.codemod_requests_timeout import HAS_TIMEOUT
    from greenit_async_lint.fix.codemod_to_thread import CONTEXT_MANAGER

    parsed = _parsed_by_libcst(monkeypatch)
    _, reasons = _fix(tmp_path, """\
        import requests
        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/page")
        async def page(url: str):
            with requests.get(url, stream=True, timeout=3) as reply:
                return reply.headers
        """)
    assert reasons == {"GAL106 page": [CONTEXT_MANAGER, HAS_TIMEOUT]}
    assert parsed == []


def test_a_file_that_never_compiled_still_gets_its_fix(tmp_path):
    """`ast` reads the file, the compiler does not (`return` outside a function): what the fix
    regenerated compiles, so the fix broke nothing and is given (it was an error blaming the fix)."""
    new, reasons = _fix(tmp_path, """\
        import requests
        from flask import Flask

        app = Flask(__name__)


        @app.route("/ping")
        def ping():
            return requests.get("https://example.com/ping").text


        return None
        """)
    assert reasons == {"GAL106 ping": []}
    assert 'requests.get("https://example.com/ping", timeout=10)' in new["app.py"]


OVERRIDE = """\
    import subprocess
    from abc import ABC, abstractmethod
    from fastapi import FastAPI

    app = FastAPI()


    def convert(items):
        return subprocess.check_output(["crf_test", *items])


    class Parser(ABC):
        @abstractmethod
        async def parse(self, items): ...


    class CrfParser(Parser):
        async def parse(self, items):
            models = convert(items)
            return models


    def get_parser(kind) -> Parser:
        return CrfParser()


    @app.post("/parse")
    async def parse_all(kind: str, items: list[str]):
        parser = get_parser(kind)
        return await parser.parse(items)
    """


def test_a_hop_naming_the_override_an_awaited_call_runs_is_gone_through(tmp_path):
    """The chain names CrfParser.parse at its `def` line (the override of the stub the receiver
    is typed as): not a call to find, but the method the awaited call runs. The blocking call is
    the first one in it that is not awaited, and both lookups (libcst's and `ast`'s) say so."""
    from greenit_async_lint.fix.apply import FindingPlanner
    from greenit_async_lint.fix.codemod_base import loop_blocking_hop
    from greenit_async_lint.fix.early import ast_blocking_hop
    from greenit_async_lint.fix.remedies import project_stack
    from greenit_async_lint.fix.rules import load_remedies

    new, reasons = _fix(tmp_path, OVERRIDE)
    assert reasons == {"GAL107 parse_all": []}
    assert "models = await asyncio.to_thread(convert, items)" in new["app.py"]
    report = analyse(tmp_path)
    (finding,) = [f for f in report.findings if f.handler.qualname == "parse_all"]
    assert [h.call for h in finding.chain][:2] == ["parser.parse", "CrfParser.parse"]
    remedies = load_remedies(report.catalogue)
    stack = project_stack(report, tmp_path, remedies)
    index, _source, call, reason = loop_blocking_hop(FindingPlanner(report, tmp_path, stack, remedies).target(finding))
    assert (index, reason) == (2, None) and call is not None
    assert ast_blocking_hop(FindingPlanner(report, tmp_path, stack, remedies).target(finding))[0] == 2


def test_the_files_of_awaited_hops_before_the_blocking_one_are_not_parsed_by_libcst(tmp_path, monkeypatch):
    """`ast` found the blocking hop in service.py (the handler's call is awaited): only the file
    that gets the fix is parsed by libcst, and the fix is the same."""
    parsed = _parsed_by_libcst(monkeypatch)
    new, reasons = _fix(tmp_path, """\
        from fastapi import FastAPI

        import service

        app = FastAPI()


        @app.get("/status")
        async def status(url: str):
            return await service.fetch(url)
        """, extra={"service.py": """\
        import requests


        async def fetch(url):
            reply = requests.get(url, timeout=5)
            return reply.status_code
        """})
    from greenit_async_lint.fix.codemod_requests_timeout import HAS_TIMEOUT

    assert reasons == {"GAL106 status": [HAS_TIMEOUT]}
    assert "reply = await asyncio.to_thread(requests.get, url, timeout=5)" in new["service.py"]
    assert parsed == ["service.py"]


NEWER_SYNTAX = """\
    import requests
    from flask import Flask

    app = Flask(__name__)


    def parse(raw):
        try:
            return int(raw)
        except ValueError{excepted}:
            return 0


    @app.route("/status")
    def status():
        return requests.get("https://example.com/status", timeout=3).text
    {more}"""
PING = """

    @app.route("/ping")
    def ping():
        return requests.get("https://example.com/ping").text
    """


def test_a_file_of_newer_syntax_is_read_by_ast_as_the_analysis_read_it(tmp_path, monkeypatch):
    """`except A, B:` (Python 3.14) is a syntax error to this Python's `ast`: the fixer reads the
    file as the analysis did (newsyntax.downgrade, every line kept), so an early refusal costs no
    libcst parse, and the file is sliced like any other, its fixes the old-syntax twin's."""
    from greenit_async_lint.fix.codemod_requests_timeout import HAS_TIMEOUT

    for name, excepted in (("old", ""), ("new", ", TypeError")):
        parsed = _parsed_by_libcst(monkeypatch)
        (tmp_path / name).mkdir()
        new, reasons = _fix(tmp_path / name, NEWER_SYNTAX.format(excepted=excepted, more=""))
        assert reasons == {"GAL106 status": [HAS_TIMEOUT]} and parsed == [], name
        (tmp_path / f"{name}-fixed").mkdir()
        new, reasons = _fix(tmp_path / f"{name}-fixed", NEWER_SYNTAX.format(excepted=excepted, more=PING))
        assert reasons == {"GAL106 status": [HAS_TIMEOUT], "GAL106 ping": []}, name
        assert 'requests.get("https://example.com/ping", timeout=10)' in new["app.py"], name
        assert f"except ValueError{excepted}:" in new["app.py"], name
    if sys.version_info < (3, 14):  # (on 3.14 `ast` reads it as it is)
        from greenit_async_lint.fix.astfile import AstFile

        syntax = AstFile.parse((tmp_path / "new-fixed" / "app.py").read_bytes())
        assert syntax is not None and [ast.unparse(c) for c, _ in syntax.calls_at(21, 12)] == [
            "requests.get('https://example.com/ping')"]

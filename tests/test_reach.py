"""Targeted reach semantics, one small program each (the fixture apps cover them in context)."""
from __future__ import annotations

from pathlib import Path

import pytest

from greenit_async_lint.config import Config
from greenit_async_lint.analysis.engine import analyse


def findings(tmp_path: Path, source: str) -> set[tuple[int, str, str]]:
    (tmp_path / "app.py").write_text(source)
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    return {(f.line, f.code, f.severity) for f in report.findings}


HEAD = "import requests\nfrom concurrent.futures import ThreadPoolExecutor\nfrom flask import Flask, request\napp = Flask(__name__)\npool = ThreadPoolExecutor(4)\n\n"


def test_pool_map_over_request_data_is_heavy_and_over_a_literal_is_not(tmp_path: Path) -> None:
    src = HEAD + ("def fetch(sku):\n    return requests.get(f'https://p.example.com/{sku}', timeout=5).json()\n\n"
                  "@app.post('/prices')\ndef prices():\n    return list(pool.map(fetch, request.json['skus']))\n\n"
                  "@app.get('/two')\ndef two():\n    return list(pool.map(fetch, ('a', 'b')))\n")
    assert findings(tmp_path, src) == {(12, "GAL204", "violation"), (16, "GAL204", "warning")}


def test_flask_request_hooks_are_handlers(tmp_path: Path) -> None:
    src = HEAD + "@app.before_request\ndef check_licence():\n    requests.get('https://licence.example.com', timeout=3)\n"
    (tmp_path / "app.py").write_text(src)
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert [h.qualname for h in report.handlers] == ["check_licence"]
    assert [(f.line, f.code) for f in report.findings] == [(9, "GAL106")]


def test_template_method_reaches_the_subclass_override_only(tmp_path: Path) -> None:
    src = HEAD + ("import subprocess\n\nclass Exporter:\n    def export(self):\n        return self.render()\n"
                  "    def render(self):\n        return b''\n\n"
                  "class PdfExporter(Exporter):\n    def render(self):\n        subprocess.run(['soffice', '--convert-to', 'pdf', 'x'])\n\n"
                  "class TextExporter(Exporter):\n    pass\n\n"
                  "@app.get('/pdf')\ndef pdf():\n    return PdfExporter().export()\n\n"
                  "@app.get('/txt')\ndef txt():\n    return TextExporter().export()\n")
    assert findings(tmp_path, src) == {(24, "GAL101", "violation")}


def test_registry_constant_key_picks_one_entry_and_a_variable_key_all(tmp_path: Path) -> None:
    src = HEAD + ("import subprocess\n\ndef to_pdf(p):\n    subprocess.run(['soffice', '--convert-to', 'pdf', p])\n\n"
                  "def to_txt(p):\n    return p\n\nEXPORTERS = {'pdf': to_pdf, 'txt': to_txt}\n\n"
                  "@app.get('/txt')\ndef txt():\n    return EXPORTERS['txt']('x')\n\n"
                  "@app.get('/any/<kind>')\ndef any_kind(kind):\n    return EXPORTERS[kind]('x')\n")
    assert findings(tmp_path, src) == {(23, "GAL101", "violation")}


def test_registry_filled_by_a_decorator(tmp_path: Path) -> None:
    src = HEAD + ("import subprocess\n\nHANDLERS = {}\n\ndef register(name):\n    def deco(fn):\n        HANDLERS[name] = fn\n"
                  "        return fn\n    return deco\n\n@register('video')\ndef transcode(p):\n"
                  "    subprocess.run(['ffmpeg', '-i', p, 'out.webm'])\n\n"
                  "@app.post('/media/<kind>')\ndef media(kind):\n    return HANDLERS[kind]('x')\n")
    assert findings(tmp_path, src) == {(23, "GAL102", "violation")}


def test_fastapi_route_and_router_dependencies_run_before_the_endpoint(tmp_path: Path) -> None:
    (tmp_path / "deps.py").write_text(
        "import requests\n\ndef check_licence():\n    requests.get('https://licence.example.com', timeout=3)\n\n"
        "async def audit():\n    requests.post('https://audit.example.com', timeout=3)\n")
    (tmp_path / "routers.py").write_text(
        "from fastapi import APIRouter, Depends\nfrom deps import audit\n\n"
        "router = APIRouter(prefix='/admin', dependencies=[Depends(audit)])\n")
    src = ("from fastapi import Depends, FastAPI\nfrom deps import check_licence\nfrom routers import router\n\n"
           "app = FastAPI()\n\n@app.get('/report', dependencies=[Depends(check_licence)])\nasync def report():\n"
           "    return {}\n\n@router.get('/users')\nasync def users():\n    return []\n")
    assert findings(tmp_path, src) == {(8, "GAL106", "warning"), (12, "GAL106", "violation")}


def test_django_middleware_listed_in_settings_is_a_handler(tmp_path: Path) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "middleware.py").write_text(
        "import requests\n\nclass GeoMiddleware:\n    def __init__(self, get_response):\n"
        "        self.get_response = get_response\n\n    def __call__(self, request):\n"
        "        request.country = requests.get('https://geo.example.com', timeout=2).json()\n"
        "        return self.get_response(request)\n")
    (tmp_path / "shop" / "settings.py").write_text(
        "MIDDLEWARE = [\n    'django.middleware.common.CommonMiddleware',\n    'shop.middleware.GeoMiddleware',\n]\n")
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert [(h.qualname, h.framework) for h in report.handlers] == [("GeoMiddleware.__call__", "django")]
    assert [(f.path, f.line, f.code) for f in report.findings] == [("shop/middleware.py", 8, "GAL106")]


def test_wtforms_field_validators_run_when_the_form_validates(tmp_path: Path) -> None:
    src = HEAD + ("from flask_wtf import FlaskForm\nfrom wtforms import StringField\n\n"
                  "class AvatarForm(FlaskForm):\n    url = StringField()\n\n    def validate_url(self, field):\n"
                  "        requests.head(field.data, timeout=5)\n\n"
                  "@app.post('/avatar')\ndef avatar():\n    form = AvatarForm()\n    if form.validate_on_submit():\n"
                  "        return 'ok'\n    return 'bad', 400\n")
    assert findings(tmp_path, src) == {(19, "GAL106", "warning")}


def test_fastapi_dependencies_given_at_include_router_time(tmp_path: Path) -> None:
    (tmp_path / "admin.py").write_text(
        "import requests\nfrom fastapi import APIRouter\n\nrouter = APIRouter()\n\n"
        "@router.get('/stats')\nasync def stats():\n    return {}\n")
    src = ("import requests\nfrom fastapi import Depends, FastAPI\nimport admin\n\n"
           "async def staff_only():\n    requests.get('https://sso.example.com/me', timeout=3)\n\n"
           "app = FastAPI()\napp.include_router(admin.router, prefix='/admin', dependencies=[Depends(staff_only)])\n")
    (tmp_path / "app.py").write_text(src)
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert [(f.path, f.line, f.code, f.severity) for f in report.findings] == [("admin.py", 7, "GAL106", "violation")]


def test_a_chain_of_300_helpers_is_walked_without_recursion_error(tmp_path: Path) -> None:
    helpers = "".join(f"def h{i}():\n    return h{i + 1}()\n\n" for i in range(300))
    src = HEAD + helpers + "def h300():\n    return requests.get('https://x.example.com', timeout=3)\n\n" \
        "@app.get('/deep')\ndef deep():\n    return h0()\n\n@app.get('/near')\ndef near():\n    return h296()\n"
    # h296 -> ... -> h300 -> requests.get is within max-depth 8; h0's chain is not
    assert {code for _, code, _ in findings(tmp_path, src)} == {"GAL106"}
    assert len(findings(tmp_path, src)) == 1


def test_500_mutual_helpers_do_not_raise_recursion_error(tmp_path: Path) -> None:
    helpers = "".join(f"def m{i}(n):\n    return m{(i + 1) % 500}(n - 1) if n else m{(i + 250) % 500}(n)\n\n" for i in range(500))
    src = HEAD + helpers + "@app.get('/cycle')\ndef cycle():\n    return m0(3)\n"
    assert findings(tmp_path, src) == set()


def test_work_behind_lru_cache_runs_once_per_process_and_is_not_reported(tmp_path: Path) -> None:
    # Found on mealie (primer): template folders copied behind @lru_cache'd settings helpers
    # were reported from every handler, 11 of its 24 false findings.
    body = ("import subprocess\n\n{dec}def settings_pdf():\n"
            "    subprocess.run(['soffice', '--convert-to', 'pdf', 'defaults.odt'])\n\n"
            "@app.get('/a')\ndef a():\n    return settings_pdf()\n")
    cached = HEAD + "import functools\n" + body.format(dec="@functools.lru_cache(maxsize=None)\n")
    assert findings(tmp_path, cached) == set()
    bare = HEAD + "from functools import cache\n" + body.format(dec="@cache\n")
    assert findings(tmp_path, bare) == set()
    plain = HEAD + body.format(dec="")
    assert {code for _line, code, _sev in findings(tmp_path, plain)} == {"GAL101"}


def test_a_provider_named_by_many_handlers_is_followed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`Depends(current_user)` on every route: the provider's roots (and its own provider's) are
    found once per analysis and given to each handler."""
    from greenit_async_lint.analysis.handlers import dependencies

    followed: list[str] = []
    real = dependencies._provider_roots
    monkeypatch.setattr(dependencies, "_provider_roots",
                        lambda scan, mi, fn, depth: followed.append(fn.qualname) or real(scan, mi, fn, depth))
    routes = "".join(f"@app.get('/r{i}')\nasync def r{i}(user=Depends(current_user)):\n    return user\n\n"
                     for i in range(5))
    src = ("import requests\nfrom fastapi import Depends, FastAPI\n\napp = FastAPI()\n\n"
           "def token():\n    return requests.get('https://sso.example.com/token', timeout=3).text\n\n"
           "def current_user(t=Depends(token)):\n    return t\n\n" + routes)
    (tmp_path / "app.py").write_text(src)
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert [(f.line, f.code, f.handler.qualname if f.handler else None) for f in report.findings] \
        == [(9, "GAL106", f"r{i}") for i in range(5)]  # (the hop into the provider's own provider)
    assert all([r.qualname for r in h.roots] == ["current_user", "token"] for h in report.handlers)
    assert sorted(followed) == sorted({*followed}) and {"current_user", "token"} <= {*followed}

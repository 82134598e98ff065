"""Handler families the framework rules describe as data: class decorators naming the methods
they route (`class_methods`), generic (subscripted) bases, websocket handlers."""
from __future__ import annotations

from pathlib import Path

import pytest

from greenit_async_lint.catalogue.frameworks import parse_framework
from greenit_async_lint.catalogue.schema import CatalogueError


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "app.py").write_text(text, "utf-8")
    return tmp_path


def _qualnames(run_check, folder: Path) -> list[str]:
    return [h.qualname for h in run_check(folder).handlers]


def test_decorator_class_methods_default_to_call_and_can_be_named() -> None:
    fw = parse_framework({"framework": "x", "decorators": [{"calls": ["x.route"]},
                                                            {"calls": ["x.ns.route"], "class_methods": ["get"]}]},
                         "x.yaml")
    assert [r.class_methods for r in fw.decorators] == [("__call__",), ("get",)]
    with pytest.raises(CatalogueError, match="class_methods"):
        parse_framework({"framework": "x", "decorators": [{"calls": ["x.r"], "class_methods": "get"}]}, "x.yaml")


RESTX = '''
from flask_restx import Namespace

ns = Namespace("items")


class Plain:
    """No framework base: routed only by the decorator on the class."""


@ns.route("/items/<int:item_id>")
class Item(Plain):
    def get(self, item_id):
        return {"id": item_id}

    def helper(self):
        return None
'''


def test_a_route_decorator_on_a_class_routes_the_methods_its_rule_names(run_check, tmp_path: Path) -> None:
    report = run_check(_write(tmp_path, RESTX))
    assert [(h.qualname, h.route) for h in report.handlers] == [("Item.get", "/items/<int:item_id>")]


GENERIC = '''
from typing import Any, Generic, TypeVar

from rest_framework.generics import GenericAPIView
from rest_framework.views import APIView

T = TypeVar("T")


class DocumentView(GenericAPIView[Any]):
    def post(self, request):
        return None


class BaseView(APIView, Generic[T]):
    def get(self, request):
        return None


class TagView(BaseView[int]):
    def delete(self, request):
        return None
'''


def test_a_subscripted_base_is_its_base(run_check, tmp_path: Path) -> None:
    names = _qualnames(run_check, _write(tmp_path, GENERIC))
    assert {"DocumentView.post", "BaseView.get", "TagView.delete"} <= set(names)


def test_websocket_handlers_are_handlers(run_check, tmp_path: Path) -> None:
    text = '''
from tornado import websocket


class Echo(websocket.WebSocketHandler):
    def open(self):
        return None

    def on_message(self, message):
        return None
'''
    assert set(_qualnames(run_check, _write(tmp_path, text))) == {"Echo.open", "Echo.on_message"}


FACTORY = '''
import functools

from flask import Blueprint

bp = Blueprint("pages", __name__)


def page(rule):
    """A project decorator factory that applies the blueprint's route decorator."""
    def decorator(f):
        return bp.route(rule)(f)
    return decorator


admin_page = functools.partial(page)


def create_blueprint():
    """Routes its own nested view: no factory, so `@create_blueprint` would route nothing."""
    inner = Blueprint("inner", __name__)

    @inner.route("/inner")
    def nested():
        return "nested"

    return inner


@page("/about")
def about():
    return "about"


@admin_page("/admin")
def admin():
    return "admin"


@create_blueprint
def not_a_view():
    return "no"
'''


def test_project_decorator_factories_applying_a_route_decorator_route(run_check, tmp_path: Path) -> None:
    names = _qualnames(run_check, _write(tmp_path, FACTORY))
    assert set(names) == {"about", "admin", "create_blueprint.nested"}


def test_fastapi_and_starlette_websocket_endpoints_are_handlers(run_check, tmp_path: Path) -> None:
    text = '''
from fastapi import APIRouter
from starlette.endpoints import WebSocketEndpoint
from starlette.routing import WebSocketRoute

router = APIRouter()


@router.websocket("/ws/{room}")
async def room_socket(websocket, room: str):
    await websocket.accept()


async def echo(websocket):
    await websocket.accept()


class Chat(WebSocketEndpoint):
    async def on_receive(self, websocket, data):
        await websocket.send_text(data)


routes = [WebSocketRoute("/echo", echo), WebSocketRoute("/chat", Chat)]
'''
    assert set(_qualnames(run_check, _write(tmp_path, text))) == {"room_socket", "echo", "Chat.on_receive"}


def test_django_admin_actions_hooks_wizards_and_feeds_are_handlers(run_check, tmp_path: Path) -> None:
    text = '''
from django.contrib import admin
from django.contrib.syndication.views import Feed
from formtools.wizard.views import SessionWizardView


class ReportAdmin(admin.ModelAdmin):
    @admin.action(description="Rebuild")
    def rebuild(self, request, queryset):
        return None

    def save_model(self, request, obj, form, change):
        return None

    def helper(self):
        return None


class SignupWizard(SessionWizardView):
    def done(self, form_list, **kwargs):
        return None


class LatestFeed(Feed):
    def items(self):
        return []

    def item_title(self, item):
        return ""
'''
    names = set(_qualnames(run_check, _write(tmp_path, text)))
    assert names == {"ReportAdmin.rebuild", "ReportAdmin.save_model", "SignupWizard.done", "LatestFeed.items",
                     "LatestFeed.item_title"}


def test_a_route_is_under_the_prefix_its_class_attribute_names(run_check, tmp_path: Path) -> None:
    text = '''
from flask_appbuilder import BaseView, expose


class ReportsBase(BaseView):
    route_base = "/reports"


class MonthlyReports(ReportsBase):
    @expose("/monthly/<int:year>")
    def monthly(self, year):
        return self.render_template("monthly.html")


class Plain(BaseView):
    @expose("/plain")
    def plain(self):
        return "plain"
'''
    report = run_check(_write(tmp_path, text))
    assert {(h.qualname, h.route) for h in report.handlers} == {("MonthlyReports.monthly", "/reports/monthly/<int:year>"),
                                                                ("Plain.plain", "/plain")}


def test_a_package_binding_shadows_its_submodule_of_the_same_name(run_check, tmp_path: Path) -> None:
    (tmp_path / "app" / "views").mkdir(parents=True)
    (tmp_path / "app" / "__init__.py").write_text("", "utf-8")
    (tmp_path / "app" / "views" / "__init__.py").write_text("from .follow import follow\n", "utf-8")
    (tmp_path / "app" / "views" / "follow.py").write_text("def follow(request):\n    return None\n", "utf-8")
    (tmp_path / "app" / "urls.py").write_text(
        "from django.urls import path\n\nfrom app import views\n\nurlpatterns = [path('follow/', views.follow)]\n",
        "utf-8")
    report = run_check(tmp_path)
    assert [(h.path, h.qualname) for h in report.handlers] == [("app/views/follow.py", "follow")]


def test_a_custom_router_route_mapping_names_viewset_handler_methods(run_check, tmp_path: Path) -> None:
    text = '''
from rest_framework.routers import Route, SimpleRouter
from rest_framework.viewsets import ViewSet


class BulkRouter(SimpleRouter):
    routes = [
        Route(url=r"^{prefix}/bulk$", mapping={"post": "bulk_create", "delete": "bulk_delete"},
              name="{basename}-bulk", detail=False, initkwargs={}),
    ]


class ItemViewSet(ViewSet):
    def bulk_create(self, request):
        return None

    def helper(self):
        return None


router = BulkRouter()
router.register("items", ItemViewSet, basename="item")
'''
    assert _qualnames(run_check, _write(tmp_path, text)) == ["ItemViewSet.bulk_create"]

"""Imports by name (issue 11.2, rules/imports.yaml): `import_module`, `import_string` and
`maybe_dotted` of a string constant or a setting give the module or object the string names.
Each case is evaluated on a small project; the fixture app dotted_backends shows them end to end."""
from __future__ import annotations

import pytest

from greenit_async_lint.analysis.evaluate import Evaluator
from greenit_async_lint.analysis.ir import Name
from greenit_async_lint.analysis.project import Ctx, Project
from greenit_async_lint.analysis.summarize import summarize
from greenit_async_lint.analysis.values import ClassRef, External, ModuleRef, Value
from greenit_async_lint.catalogue import CatalogueError
from greenit_async_lint.catalogue.imports import build_imports
from greenit_async_lint.catalogue.load import Catalogue, load_catalogue

SETTINGS = """
BACKEND = "app.backends.Remote"
PLUGINS = "app.backends"
"""

OTHER = """
BACKEND = "app.backends.Local"
"""

BACKENDS = """
class Remote: pass
class Local: pass
"""

VIEWS = """
import importlib
from django.conf import settings
from django.utils.module_loading import import_string
from pyramid.config import Configurator
from app.backends import Local

PATH = "app.backends.Local"

def use(request, config: Configurator):
    by_setting = import_string(settings.BACKEND)
    by_constant = import_string(PATH)
    by_literal = import_string("app.backends.Remote")
    module = importlib.import_module(settings.PLUGINS)
    outside = importlib.import_module("requests")
    outside_call = outside.get
    built = import_string("app.backends." + request.GET["kind"])
    unknown_setting = import_string(settings.MISSING)
    passed = config.maybe_dotted(Local)
    dotted = config.maybe_dotted("app.backends.Remote")
"""


@pytest.fixture(scope="module")
def ev() -> Evaluator:
    modules = [summarize(SETTINGS.encode(), "config/settings.py", "config.settings", False),
               summarize(OTHER.encode(), "app/other.py", "app.other", False),
               summarize(BACKENDS.encode(), "app/backends.py", "app.backends", False),
               summarize(VIEWS.encode(), "app/views.py", "app.views", False)]
    return Evaluator(Project(modules), load_catalogue())


def _value(ev: Evaluator, name: str) -> set[str]:
    def label(v: Value) -> str:
        if isinstance(v, ClassRef):
            return v.qualname
        if isinstance(v, ModuleRef):
            return f"module {ev.p.mods[v.module].name}"
        return v.name if isinstance(v, External) else repr(v)
    return {label(v) for v in ev.eval(Name("n", name), Ctx(3, "use"))}


@pytest.mark.parametrize("name, expected", [
    ("by_setting", {"Remote"}),  # the settings module's string, not app.other's
    ("by_constant", {"Local"}),
    ("by_literal", {"Remote"}),
    ("module", {"module app.backends"}),
    ("outside", {"requests"}),
    ("outside_call", {"requests.get"}),
    ("built", set()),
    ("unknown_setting", set()),
    ("passed", {"Local"}),
    ("dotted", {"Remote"}),
])
def test_imports_by_name(ev: Evaluator, name: str, expected: set[str]) -> None:
    assert _value(ev, name) == expected


def test_without_the_catalogue_entries_nothing_is_imported() -> None:
    bare: Catalogue = load_catalogue()
    bare.imports = build_imports({"imports": []})
    modules = [summarize(SETTINGS.encode(), "config/settings.py", "config.settings", False),
               summarize(BACKENDS.encode(), "app/backends.py", "app.backends", False),
               summarize(VIEWS.encode(), "app/views.py", "app.views", False)]
    ev = Evaluator(Project(modules), bare)
    assert not [v for v in ev.eval(Name("n", "by_setting"), Ctx(2, "use")) if isinstance(v, ClassRef)]


@pytest.mark.parametrize("data, key", [
    ({"imports": [{"calls": ["a.load"], "name": {"arg": 0}, "gives": "package"}]}, "imports.yaml.imports[0].gives"),
    ({"imports": [{"calls": ["a.load"], "gives": "module"}]}, "imports.yaml.imports[0]"),
    ({"imports": [], "plugins": []}, "imports.yaml.plugins"),
    ({"settings": {"objects": ["a.settings"], "files": []}}, "imports.yaml.settings.files"),
])
def test_malformed_import_rules_are_rejected_by_key(data: dict[str, object], key: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        build_imports(data)
    assert caught.value.key == key

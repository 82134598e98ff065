"""Print an application's true routes from the framework's own routing table.

Run it with the python of a throwaway environment where the application is installed:

    ENV/bin/python eval/routes_dump.py flask flaskbb:create_app   > eval/routes/flaskbb.txt
    ENV/bin/python eval/routes_dump.py asgi fief.apps:dashboard_app ... > eval/routes/fief.txt
    ENV/bin/python eval/routes_dump.py tornado-modules jupyter_server > eval/routes/jupyter-server.txt

Each line is `path qualname route`: the view's file relative to the folder holding its
top-level package (as in the extracted tree the primer checks) and its qualified name (the
class for class-based views).
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from pathlib import Path
from typing import Any, Iterator


def _unwrap(view: Any) -> Any:
    view = getattr(view, "view_class", view)  # Flask MethodView / View.as_view
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    return view


def _where(view: Any) -> tuple[str, str] | None:
    view = _unwrap(view)
    try:
        source = Path(inspect.getsourcefile(view) or "")
    except TypeError:
        return None
    top = view.__module__.split(".")[0]
    parts = source.parts
    if top not in parts:
        return None
    index = len(parts) - 1 - parts[::-1].index(top)
    return "/".join(parts[index:]), view.__qualname__


def _load(spec: str) -> Any:
    module, _, attr = spec.partition(":")
    obj = importlib.import_module(module)
    for name in attr.split("."):
        obj = getattr(obj, name)
    return obj() if callable(obj) and not hasattr(obj, "routes") and not hasattr(obj, "url_map") else obj


def flask_routes(spec: str) -> Iterator[tuple[Any, str]]:
    app = _load(spec)
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            yield app.view_functions[rule.endpoint], rule.rule


def asgi_routes(spec: str) -> Iterator[tuple[Any, str]]:
    def walk(routes: list[Any], prefix: str) -> Iterator[tuple[Any, str]]:
        for route in routes:
            path = prefix + getattr(route, "path", "")
            if getattr(route, "endpoint", None) is not None and not hasattr(route, "routes"):
                yield route.endpoint, path
            sub = getattr(route, "routes", None) or getattr(getattr(route, "app", None), "routes", None)
            if sub:
                yield from walk(sub, path)

    yield from walk(_load(spec).routes, "")


def tornado_module_routes(package: str) -> Iterator[tuple[Any, str]]:
    """Tornado servers built from each module's `default_handlers` list (Jupyter's convention)."""
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        try:
            module = importlib.import_module(info.name)
        except Exception:  # noqa: BLE001 - optional extras; a module that cannot import serves nothing
            continue
        for entry in getattr(module, "default_handlers", []) or []:
            yield entry[1], entry[0]


def main(argv: list[str]) -> int:
    kind, specs = argv[0], argv[1:]
    walker = {"flask": flask_routes, "asgi": asgi_routes, "tornado-modules": tornado_module_routes}[kind]
    seen: set[tuple[str, str, str]] = set()
    for spec in specs:
        for view, route in walker(spec):
            where = _where(view)
            if where and (*where, route) not in seen:
                seen.add((*where, route))
    for path, qualname, route in sorted(seen):
        print(path, qualname, route)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Route templates and handlers, read from what each framework leaves on the request.

Privacy by default: only the route *template* is ever recorded (`/report/<int:pk>`), never the raw
path, the query string or anything else from the request. Frameworks are recognised by duck typing,
so none of them is imported here. Resolvers run on the request thread when it finishes (they only
read attributes), and on the watchdog thread for requests still in flight.
"""
from __future__ import annotations

from typing import Any

UNMATCHED = "<unmatched>"
MAX_ROUTE = 200
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


def method_name(method: Any) -> str:
    """Known HTTP methods as sent; anything else is folded so clients cannot grow the report."""
    return method if method in METHODS else "OTHER"


def route_text(route: Any) -> str:
    """The template of a route object (werkzeug Rule, Starlette/FastAPI route, Django route string)."""
    if route is None:
        return UNMATCHED
    text: Any
    if isinstance(route, str):
        text = route if route.startswith(("/", "^", "<")) else "/" + route
    else:
        text = getattr(route, "path_format", None) or getattr(route, "rule", None) or getattr(route, "path", None)
        if not isinstance(text, str):
            return UNMATCHED
    return text[:MAX_ROUTE]


class WerkzeugResolver:
    """Flask and other werkzeug apps: the Request object werkzeug parks in the environ."""

    def __init__(self, app: Any) -> None:
        # A Flask app, or its bound wsgi_app method: either way we need the view_functions map.
        owner = getattr(app, "__self__", app)
        self.views = getattr(owner, "view_functions", None)
        plain = self.views is None and getattr(app, "__code__", None) is not None
        self.fallback = app if plain else None  # a bare WSGI function is its own handler

    def __call__(self, environ: dict) -> tuple[Any, Any]:
        request = environ.get("werkzeug.request")
        rule = getattr(request, "url_rule", None)
        if rule is None:
            return None, self.fallback
        views = self.views
        return rule, views.get(rule.endpoint) if views is not None else None


def resolve_scope(scope: dict) -> tuple[Any, Any]:
    """Starlette and FastAPI write the matched route and endpoint into the (shared) scope dict."""
    return scope.get("route"), scope.get("endpoint")


def resolve_django(request: Any) -> tuple[Any, Any]:
    """Django sets request.resolver_match once URL resolution is done."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None, None
    return match.route or None, match.func


def handler_code(handler: Any) -> Any:
    """The code object to look for on a sampled stack, to tell whether this handler holds the loop."""
    view_class = getattr(handler, "view_class", None)
    for candidate in (handler, getattr(handler, "__wrapped__", None), view_class and getattr(view_class, "dispatch", None)):
        code = getattr(getattr(candidate, "__func__", candidate), "__code__", None)
        if code is not None:
            return code
    return None

"""FastAPI / Starlette adapter: `install(app, **options)` adds the pure ASGI middleware.

`app.add_middleware` keeps `app` the FastAPI/Starlette object (routes, dependency overrides and
test clients still reach it). Call it before the app starts serving, as Starlette requires for any
middleware. Route templates come from `scope["route"]` (`path_format` in FastAPI), handlers from
`scope["endpoint"]`.
"""
from __future__ import annotations

from typing import Any

from .asgi import ASGIMiddleware


def install(app: Any, **options: Any) -> Any:
    """Measure every HTTP request of this app; returns the app."""
    if not any(getattr(m, "cls", None) is ASGIMiddleware for m in getattr(app, "user_middleware", ())):
        app.add_middleware(ASGIMiddleware, **options)
    return app

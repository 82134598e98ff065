"""Runtime hook for practice 112: measures how long users wait for a response, and names why.

`WSGIMiddleware` and `ASGIMiddleware` wrap an app; Django, Flask and FastAPI/Starlette have thin
adapters (`runtime.django`, `runtime.flask`, `runtime.starlette`); gunicorn gets a `worker_abort`
hook (`runtime.gunicorn`); pytest gets a plugin (`runtime.pytest_plugin`). Each process writes a JSON
shard; `greenit-async-lint runtime merge DIR` merges them. See docs/runtime.md.

Nothing is imported eagerly: the pytest plugin imports this package in every test run, so it must
stay free (no framework, no thread, no file) until a middleware is actually built.
"""
from __future__ import annotations

from typing import Any

__all__ = ["WSGIMiddleware", "ASGIMiddleware"]


def __getattr__(name: str) -> Any:
    if name == "WSGIMiddleware":
        from .wsgi import WSGIMiddleware

        return WSGIMiddleware
    if name == "ASGIMiddleware":
        from .asgi import ASGIMiddleware

        return ASGIMiddleware
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

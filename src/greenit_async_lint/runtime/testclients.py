"""What the pytest plugin does once enabled: wrap the frameworks' test clients, write the report.

Test clients run the app in-process, so the hook wraps the client's entry into the app:
`Flask.__call__`, Django's `ClientHandler`/`AsyncClientHandler`, and the app of Starlette's
`TestClient` transport. A middleware the project installed itself sees the record already open
and steps aside, so nothing is counted twice. Only frameworks the tests have imported are wrapped; none is imported here.
"""
from __future__ import annotations

import asyncio
import dataclasses
import glob
import os
import sys
import weakref
from typing import Any, Callable

from . import control, registry
from .registry import CURRENT, STATE
from .config import DEFAULT_DIR
from .routes import WerkzeugResolver, method_name, resolve_django

_PATCHED: set[str] = set()
PYTEST_LOOP_WARN_S = 0.1  # asyncio debug mode's own slow-callback threshold
REPORT_NAME = "report.json"


def enable(report_dir: str | None, worker: bool) -> str:
    # Under pytest the report belongs to the project being tested: `greenit-runtime/` in the working
    # directory, not the middleware's absolute default in the temporary folder.
    folder = "greenit-runtime" if control.DEFAULTS.report_dir == DEFAULT_DIR else control.DEFAULTS.report_dir
    control.DEFAULTS = dataclasses.replace(control.DEFAULTS, loop_warn_s=PYTEST_LOOP_WARN_S, report_dir=folder)
    config = control.configure({"report_dir": report_dir})
    if not worker:
        # Shards of an earlier session would be merged into this one's report.
        for old in glob.glob(os.path.join(config.report_dir, "*-*-*.json")):
            os.unlink(old)
    patch_loaded()
    return config.report_dir


def patch_loaded() -> None:
    """Wrap the test clients of frameworks imported so far. Called again before each test: the
    plugin never imports a framework itself (importing one can warn, or need settings)."""
    for module, patch in (("flask", _patch_flask), ("django", _patch_django),
                          ("starlette.testclient", _patch_starlette)):
        if module in sys.modules and module not in _PATCHED:
            _PATCHED.add(module)
            try:
                patch()
            except Exception as exc:  # a framework version we do not know: leave it unwrapped
                registry.internal_error(f"patching {module}", exc)


def finish(report_dir: str, worker: bool) -> str | None:
    if control.WATCHDOG is not None:
        control.flush(timeout=5.0)
    if worker:
        return None
    from .merge import merge_shards
    from .shard import write_atomic

    report = merge_shards([report_dir])
    path = os.path.join(report_dir, REPORT_NAME)
    write_atomic(path, report)
    return f"{report['summary']['text']}; {report['summary']['loop_stalls']} loop stall(s); report: {path}"


def _patch_flask() -> None:
    import flask

    from .wsgi import call_wsgi

    original = flask.Flask.__call__
    if getattr(original, "_greenit", False):
        return
    resolvers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __call__(self: Any, environ: dict, start_response: Callable) -> Any:
        resolve = resolvers.get(self)
        if resolve is None:
            resolve = resolvers[self] = WerkzeugResolver(self)
        return call_wsgi(original.__get__(self), environ, start_response, resolve, "flask")

    __call__._greenit = True  # type: ignore[attr-defined]
    flask.Flask.__call__ = __call__  # type: ignore[method-assign]


def _resolve_response(response: Any) -> tuple[Any, Any]:
    request = getattr(response, "wsgi_request", None) or getattr(response, "asgi_request", None)
    return resolve_django(request)


def _patch_django() -> None:
    from django.test import client

    from .django import _finish_quietly, _respond

    sync_call, async_call = client.ClientHandler.__call__, client.AsyncClientHandler.__call__
    if getattr(sync_call, "_greenit", False):
        return

    def __call__(self: Any, environ: dict) -> Any:
        if not STATE.active or CURRENT.get() is not None:
            return sync_call(self, environ)
        try:
            rec = registry.begin(None, method_name(environ.get("REQUEST_METHOD")), _resolve_response, "django")
            token = CURRENT.set(rec)
        except Exception as exc:
            registry.internal_error("django test client", exc)
            return sync_call(self, environ)
        try:
            response = sync_call(self, environ)
        except BaseException as exc:
            _finish_quietly(rec, registry.outcome_of(exc))
            raise
        finally:
            CURRENT.reset(token)
        rec.env = response
        return _respond(rec, response)

    async def __acall__(self: Any, scope: dict) -> Any:
        if not STATE.active or CURRENT.get() is not None:
            return await async_call(self, scope)
        from .loop import ensure_monitor

        try:
            rec = registry.begin(None, method_name(scope.get("method")), _resolve_response, "django")
            rec.loop = ensure_monitor(asyncio.get_running_loop())
            rec.task = asyncio.current_task()
            token = CURRENT.set(rec)
        except Exception as exc:
            registry.internal_error("django test client", exc)
            return await async_call(self, scope)
        try:
            response = await async_call(self, scope)
        except BaseException as exc:
            _finish_quietly(rec, registry.outcome_of(exc))
            raise
        finally:
            CURRENT.reset(token)
        rec.env = response
        return _respond(rec, response)

    __call__._greenit = True  # type: ignore[attr-defined]
    client.ClientHandler.__call__ = __call__  # type: ignore[method-assign]
    client.AsyncClientHandler.__call__ = __acall__  # type: ignore[method-assign]


def _patch_starlette() -> None:
    from starlette import testclient

    from .asgi import ASGIMiddleware

    transport = testclient._TestClientTransport
    original = transport.__init__
    if getattr(original, "_greenit", False):
        return

    def __init__(self: Any, app: Any, *args: Any, **kwargs: Any) -> None:
        original(self, ASGIMiddleware(app), *args, **kwargs)  # type: ignore[arg-type]

    __init__._greenit = True  # type: ignore[attr-defined]
    transport.__init__ = __init__  # type: ignore[method-assign]

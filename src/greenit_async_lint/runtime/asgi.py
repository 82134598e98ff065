"""Pure ASGI middleware (not Starlette's BaseHTTPMiddleware): the wait until `http.response.start`.

Lifespan, websocket and any other non-HTTP scope pass straight through. Messages are forwarded
unchanged; the middleware only notes when the response starts and when its last body message is
sent, so Starlette background tasks, which run after that, are never counted. Each request's loop
gets a heartbeat (see loop.py); `def` endpoints that Starlette/FastAPI run in anyio's thread pool are
followed into their worker thread, so their stack can be sampled.
"""
from __future__ import annotations

import asyncio
import sys
import threading
from time import perf_counter
from typing import Any, Awaitable, Callable

from . import control, registry
from .control import configure
from .loop import ensure_monitor
from .registry import CURRENT, STATE, internal_error
from .routes import method_name, resolve_scope

Scope = dict
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]
_END_MESSAGES = frozenset({"http.response.pathsend", "http.response.zerocopysend"})


class ASGIMiddleware:
    """`app = ASGIMiddleware(app, report_dir=..., warn_s=..., violation_s=..., loop_warn_s=...)`."""

    def __init__(self, app: Callable, **options: Any) -> None:
        self.app = app
        self.config = configure(options)
        install_threadpool_marker()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan" and STATE.active:
            return await self.app(scope, receive, _flush_on_shutdown(send))
        if scope["type"] != "http" or not STATE.active or CURRENT.get() is not None:
            return await self.app(scope, receive, send)
        try:
            rec = registry.begin(scope, method_name(scope.get("method")), resolve_scope, "asgi")
            rec.loop = ensure_monitor(asyncio.get_running_loop())
            rec.task = asyncio.current_task()
            rec.kind = "async-awaiting"  # until a sample says it holds the loop or runs in a thread
            token = CURRENT.set(rec)
        except Exception as exc:
            internal_error("asgi begin", exc)
            return await self.app(scope, receive, send)

        async def timed_send(message: dict) -> None:
            try:
                kind = message["type"]
                if kind == "http.response.start":
                    if not rec.t_headers:
                        rec.t_headers = perf_counter()
                        rec.status = message.get("status", 0)
                elif kind == "http.response.body":
                    if not message.get("more_body", False) and not rec.t_body_end:
                        rec.t_body_end = perf_counter()
                elif kind in _END_MESSAGES and not rec.t_body_end:
                    rec.t_body_end = perf_counter()
            except Exception as exc:
                internal_error("asgi send", exc)
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        except BaseException as exc:
            _finish_quietly(rec, registry.outcome_of(exc))
            raise
        else:
            _finish_quietly(rec, None)
        finally:
            CURRENT.reset(token)


def _flush_on_shutdown(send: Send) -> Send:
    """Lifespan passes through; once the app reports shutdown complete, write the shard (uvicorn
    re-raises SIGTERM with its default action after shutdown, so atexit would never run)."""

    async def lifespan_send(message: dict) -> None:
        await send(message)
        if message.get("type") == "lifespan.shutdown.complete":
            await asyncio.get_running_loop().run_in_executor(None, control.flush)

    return lifespan_send


def _finish_quietly(rec: registry.Record, outcome: str | None) -> None:
    try:
        registry.finish(rec, outcome)
    except Exception as exc:
        internal_error("asgi finish", exc)


class _InPool:
    """Runs a sync callable in a pool thread, telling the request's record which thread that is."""

    __slots__ = ("func", "rec")

    def __init__(self, func: Callable, rec: registry.Record) -> None:
        self.func = func
        self.rec = rec

    def __call__(self, *args: Any) -> Any:
        rec = self.rec
        tid = threading.get_ident()
        try:
            if rec.workers is None:
                rec.workers = []
            rec.workers.append(tid)
        except Exception:
            return self.func(*args)
        try:
            return self.func(*args)
        finally:
            try:
                rec.workers.remove(tid)
            except (ValueError, AttributeError):
                pass


def install_threadpool_marker() -> bool:
    """Wrap anyio.to_thread.run_sync (what Starlette and FastAPI call for `def` endpoints).

    Only when anyio is already imported (an app that does not use it is left alone), only once, and
    the wrapper adds nothing outside a measured request.
    """
    if "anyio" not in sys.modules:
        return False
    try:
        import anyio.to_thread as to_thread
    except Exception:
        return False
    original = to_thread.run_sync
    if getattr(original, "_greenit_marker", False):
        return True

    async def run_sync(func: Callable, *args: Any, **kwargs: Any) -> Any:
        rec = CURRENT.get()
        if rec is not None:
            func = _InPool(func, rec)
        return await original(func, *args, **kwargs)

    run_sync._greenit_marker = True  # type: ignore[attr-defined]
    run_sync.__wrapped__ = original  # type: ignore[attr-defined]
    to_thread.run_sync = run_sync  # type: ignore[assignment]
    return True

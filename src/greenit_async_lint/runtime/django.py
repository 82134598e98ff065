"""Django adapter: `"greenit_async_lint.runtime.django.RuntimeMiddleware"` in MIDDLEWARE.

Put it first in MIDDLEWARE so it times the whole chain. Options come from a `GREENIT_RUNTIME` dict
in settings (`{"report_dir": ..., "warn_s": ..., "violation_s": ...}`), then from environment
variables. Sync and async capable: under WSGI it runs in the request thread; under ASGI it runs on
the event loop and, for sync views, `ThreadMarkerMiddleware` (placed last) tells it which thread
Django's `sync_to_async` picked, so that thread's stack can be sampled. Streaming responses are
wrapped, never consumed, and the wait stops when the response object is returned.
"""
from __future__ import annotations

import asyncio
import contextvars
import threading
from time import perf_counter
from typing import Any, AsyncIterator, Callable, Iterator

from . import registry
from .control import configure
from .loop import ensure_monitor
from .registry import CURRENT, ENV_KEY, STATE, Record, internal_error
from .routes import method_name, resolve_django


def _settings_options() -> dict[str, Any]:
    from django.conf import settings

    options = getattr(settings, "GREENIT_RUNTIME", None) or {}
    return {str(key).lower(): value for key, value in dict(options).items()}


class RuntimeMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable) -> None:
        from asgiref.sync import iscoroutinefunction, markcoroutinefunction

        self.get_response = get_response
        self.config = configure(_settings_options())
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)
            install_asgiref_marker()

    def __call__(self, request: Any) -> Any:
        if self.is_async:
            return self._acall(request)
        if not STATE.active or CURRENT.get() is not None or ENV_KEY in getattr(request, "environ", ()):
            return self.get_response(request)  # off, or a WSGIMiddleware around Django measures it
        try:
            rec = registry.begin(request, method_name(request.method), resolve_django, "django")
            token = CURRENT.set(rec)
        except Exception as exc:
            internal_error("django begin", exc)
            return self.get_response(request)
        try:
            response = self.get_response(request)
        except BaseException as exc:
            _finish_quietly(rec, registry.outcome_of(exc))
            raise
        finally:
            CURRENT.reset(token)
        return _respond(rec, response)

    async def _acall(self, request: Any) -> Any:
        if not STATE.active or CURRENT.get() is not None:
            return await self.get_response(request)
        try:
            rec = registry.begin(request, method_name(request.method), resolve_django, "django")
            rec.loop = ensure_monitor(asyncio.get_running_loop())
            rec.task = asyncio.current_task()
            rec.kind = "async-awaiting"  # until a sample says it holds the loop or runs in a thread
            token = CURRENT.set(rec)
        except Exception as exc:
            internal_error("django begin", exc)
            return await self.get_response(request)
        try:
            response = await self.get_response(request)
        except BaseException as exc:
            _finish_quietly(rec, registry.outcome_of(exc))
            raise
        finally:
            CURRENT.reset(token)
        return _respond(rec, response)


class ThreadMarkerMiddleware:
    """Kept for settings that list it: now a pass-through that never changes the chain's mode.

    It was sync-only, and Django then ran the whole chain, RuntimeMiddleware included, in a thread
    under ASGI: async views ran back on the loop through async_to_sync, invisible to the hook, and
    their warnings read `sync-thread`. Sync views' threads are now marked by `install_asgiref_marker`.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable) -> None:
        from asgiref.sync import iscoroutinefunction, markcoroutinefunction

        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: Any) -> Any:
        if self.is_async:
            return self.get_response(request)  # a coroutine: awaited by the caller
        rec = CURRENT.get()
        if rec is None:
            return self.get_response(request)
        tid = threading.get_ident()
        if rec.workers is None:
            rec.workers = []
        rec.workers.append(tid)
        try:
            return self.get_response(request)
        finally:
            try:
                rec.workers.remove(tid)
            except ValueError:
                pass


def _respond(rec: Record, response: Any) -> Any:
    """The response exists: the wait is over. Streaming bodies get a pass-through wrapper."""
    try:
        rec.t_headers = perf_counter()
        rec.status = getattr(response, "status_code", 0)
        registry.resolve_now(rec)
        # FileResponse keeps its file for wsgi.file_wrapper (sendfile): wrapping would defeat it.
        if getattr(response, "streaming", False) and getattr(response, "file_to_stream", None) is None:
            content = response.streaming_content
            if getattr(response, "is_async", False):
                response.streaming_content = _astream(content, rec)
            else:
                response.streaming_content = _stream(content, rec)
            return response
    except Exception as exc:
        internal_error("django response", exc)
    _finish_quietly(rec, None)
    return response


def _stream(content: Iterator[bytes], rec: Record) -> Iterator[bytes]:
    try:
        yield from content
        rec.t_body_end = perf_counter()
    except BaseException as exc:
        rec.outcome = rec.outcome or registry.outcome_of(exc)
        raise
    finally:
        _finish_quietly(rec, None)


async def _astream(content: AsyncIterator[bytes], rec: Record) -> AsyncIterator[bytes]:
    try:
        async for chunk in content:
            yield chunk
        rec.t_body_end = perf_counter()
    except BaseException as exc:
        rec.outcome = rec.outcome or registry.outcome_of(exc)
        raise
    finally:
        _finish_quietly(rec, None)


def _finish_quietly(rec: Record, outcome: str | None) -> None:
    try:
        registry.finish(rec, outcome)
    except Exception as exc:
        internal_error("django finish", exc)


def _request_context(args: tuple) -> contextvars.Context | None:
    """The request's context among thread_handler's arguments: `context.run` itself (older
    asgiref) or a closure that calls it (asgiref 3.9+)."""
    for arg in args:
        owner = getattr(arg, "__self__", None)
        if isinstance(owner, contextvars.Context):
            return owner
        for cell in getattr(arg, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if isinstance(value, contextvars.Context):
                return value
    return None


def install_asgiref_marker() -> bool:
    """Mark the thread asgiref's sync_to_async picks (Django's sync views under ASGI) on the record.

    `SyncToAsync.thread_handler` runs in the worker thread and is handed the request's context
    (see `_request_context`): the record found there learns which thread to sample. Once,
    guarded: an asgiref whose internals differ is left alone (samples then show the loop waiting).
    """
    try:
        from asgiref.sync import SyncToAsync
    except Exception:
        return False
    original = SyncToAsync.thread_handler
    if getattr(original, "_greenit_marker", False):
        return True

    def thread_handler(self: Any, *args: Any, **kwargs: Any) -> Any:
        rec = None
        try:
            context = _request_context(args)
            rec = context.get(CURRENT) if context is not None else None
            if rec is not None and rec.task is not None:
                if rec.workers is None:
                    rec.workers = []
                rec.workers.append(threading.get_ident())
            else:
                rec = None
        except Exception:
            rec = None
        try:
            return original(self, *args, **kwargs)
        finally:
            if rec is not None and rec.workers is not None:
                try:
                    rec.workers.remove(threading.get_ident())
                except ValueError:
                    pass

    thread_handler._greenit_marker = True  # type: ignore[attr-defined]
    thread_handler.__wrapped__ = original  # type: ignore[attr-defined]
    SyncToAsync.thread_handler = thread_handler  # type: ignore[method-assign]
    return True

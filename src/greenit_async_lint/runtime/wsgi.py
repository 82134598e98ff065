"""Pure WSGI middleware: times the synchronous wait (entry to the first non-empty body chunk) and the body.

Protocol rules it keeps: status, headers and body pass through untouched; the app's exceptions are
re-raised unchanged; the inner iterable's `close()` is always called; `wsgi.file_wrapper` responses
are passed through as they are (servers send those with sendfile). The clock of the synchronous wait
stops at the first non-empty chunk (a generator may block long after `start_response`; the user
has no byte until then), or at the end of an empty body, and the body clock at the last chunk: work
done in `close()` callbacks runs after the response and is never counted. A list or tuple body is
complete when the app returns: the wait ends there and the body is returned as it is, unwrapped.
"""
from __future__ import annotations

from time import perf_counter
from typing import Any, Callable, Iterable, Iterator

from . import registry
from .control import configure
from .registry import CURRENT, ENV_KEY, STATE, Record, internal_error
from .routes import METHODS, WerkzeugResolver

StartResponse = Callable[..., Any]


class _Body:
    """Stands in for the server's start_response, then wraps the app's iterable: re-yields it
    chunk by chunk, records the last chunk and always closes it. One object per request."""

    __slots__ = ("rec", "start_response", "result", "started")
    result: Iterable[bytes]

    def __init__(self, rec: Record, start_response: StartResponse) -> None:
        self.rec = rec
        self.start_response = start_response
        self.started = False

    def __call__(self, status: str, headers: list, exc_info: Any = None) -> Any:
        rec = self.rec
        if not self.started:
            self.started = True
            try:
                rec.status = int(status[:3])
            except (TypeError, ValueError):
                pass
            # Resolve the route now: frameworks tear their request state down once the app returns.
            if rec.resolve is not None:
                registry.resolve_now(rec)
        if exc_info is None:
            return self.start_response(status, headers)
        return self.start_response(status, headers, exc_info)

    def __iter__(self) -> Iterator[bytes]:
        rec = self.rec
        try:
            for chunk in self.result:
                if chunk and not rec.t_headers:
                    rec.t_headers = perf_counter()  # the user's first byte: the wait ends here
                yield chunk
        except BaseException as exc:
            if self.rec.outcome is None:
                self.rec.outcome = registry.outcome_of(exc)
            raise
        rec.t_body_end = perf_counter()
        if not rec.t_headers:
            rec.t_headers = rec.t_body_end
        # The response is complete: close the record now. Servers call close() later (test clients
        # sometimes never do), and what close() runs is after the response, so it must not count.
        _finish_quietly(self.rec, None)

    def close(self) -> None:
        try:
            close = getattr(self.result, "close", None)
            if close is not None:
                close()
        finally:
            if not self.rec.t_end:
                _finish_quietly(self.rec, None)


class _SizedBody(_Body):
    """A body whose app iterable has a length: servers (waitress) size it with len(). The plain
    _Body has no __len__ at all, since waitress calls len() on any body that defines it and answers
    500 when it raises."""

    __slots__ = ()

    def __len__(self) -> int:
        return len(self.result)  # type: ignore[arg-type]


def call_wsgi(app: Callable, environ: dict, start_response: StartResponse, resolve: Any, framework: str,
              handler: Any = None) -> Any:
    """Run a WSGI app under measurement; used by the middleware and by the pytest plugin.

    `handler` names the handler of an app without routes (a plain WSGI callable), whose resolver
    would answer the same for every request: it is then not asked at all.
    """
    if not STATE.active or ENV_KEY in environ or CURRENT.get() is not None:
        return app(environ, start_response)  # off, or an outer hook already measures this request
    try:
        method = environ.get("REQUEST_METHOD")
        rec = registry.begin(environ, method if method in METHODS else "OTHER", resolve, framework)
        if handler is not None:
            rec.handler = handler
        body = _Body(rec, start_response)
        # An inner hook (a second middleware, Django's) steps aside when it sees this key: marking
        # the environ costs a dict store, a context variable set and reset ten times that.
        environ[ENV_KEY] = True
    except Exception as exc:
        internal_error("wsgi begin", exc)
        return app(environ, start_response)
    try:
        result = app(environ, body)
    except BaseException as exc:
        _finish_quietly(rec, registry.outcome_of(exc))
        raise
    try:
        if type(result) is list or type(result) is tuple:
            # A materialised body: the app's work is done and the server sends it at once, so the
            # wait ends now and there is nothing to wrap (no close(), no chunk to wait for).
            rec.t_headers = rec.t_body_end = perf_counter()
            _finish_quietly(rec, None)
            return result
        wrapper = environ.get("wsgi.file_wrapper")
        if isinstance(wrapper, type) and isinstance(result, wrapper):
            rec.t_headers = perf_counter()
            _finish_quietly(rec, None)
            return result
        if hasattr(result, "__len__"):
            body.__class__ = _SizedBody
        body.result = result
        return body
    except Exception as exc:
        internal_error("wsgi body", exc)
        return result


def _finish_quietly(rec: Record, outcome: str | None) -> None:
    try:
        registry.finish(rec, outcome)
    except Exception as exc:
        internal_error("wsgi finish", exc)


class WSGIMiddleware:
    """`app = WSGIMiddleware(app, report_dir=..., warn_s=..., violation_s=...)`.

    Route templates are read from werkzeug (Flask) when present; other apps are reported under the
    route `<unmatched>` with the wrapped callable as handler. Options not given come from the
    GREENIT_RUNTIME_* environment variables; GREENIT_RUNTIME=0 makes this a pass-through.
    """

    def __init__(self, app: Callable, **options: Any) -> None:
        self.app = app
        self.config = configure(options)
        resolver = WerkzeugResolver(app)
        routed = resolver.views is not None
        self.resolve: WerkzeugResolver | None = resolver if routed else None
        self.handler = None if routed else resolver.fallback
        self.framework = "flask" if routed else "wsgi"

    def __call__(self, environ: dict, start_response: StartResponse) -> Any:
        return call_wsgi(self.app, environ, start_response, self.resolve, self.framework, self.handler)

    def __getattr__(self, name: str) -> Any:
        # Let code that reaches through the wrapper (app.wsgi_app.some_attr) keep working.
        return getattr(self.__dict__["app"], name)

"""Protocol safety of the WSGI and ASGI middleware, in process: what passes through, what is timed."""
from __future__ import annotations

import asyncio
import json

import pytest

from greenit_async_lint.runtime import ASGIMiddleware, WSGIMiddleware, control, registry


def _shard(report_dir) -> dict:
    assert control.flush() is not None
    (path,) = list(report_dir.glob("*.json"))
    return json.loads(path.read_text())


class Body:
    def __init__(self, chunks):
        self.chunks, self.closed = chunks, 0

    def __iter__(self):
        return iter(self.chunks)

    def close(self):
        self.closed += 1


def test_wsgi_passes_status_headers_body_through_and_always_closes(fresh_runtime):
    body = Body([b"a", b"b"])
    seen = {}

    def app(environ, start_response):
        start_response("201 Created", [("X-Test", "1")])
        return body

    def start_response(status, headers, exc_info=None):
        seen.update(status=status, headers=headers)

    wrapped = WSGIMiddleware(app)
    result = wrapped({"REQUEST_METHOD": "GET", "PATH_INFO": "/x"}, start_response)
    assert list(result) == [b"a", b"b"]
    result.close()
    assert seen == {"status": "201 Created", "headers": [("X-Test", "1")]}
    assert body.closed == 1
    shard = _shard(fresh_runtime)
    assert shard["routes"][0]["count"] == 1 and shard["routes"][0]["statuses"] == {"2xx": 1}


def test_wsgi_reraises_the_apps_own_exception_unchanged_and_closes_on_body_errors(fresh_runtime):
    class Boom(Exception):
        pass

    error = Boom("mine")

    def app(environ, start_response):
        raise error

    with pytest.raises(Boom) as caught:
        WSGIMiddleware(app)({"REQUEST_METHOD": "GET"}, lambda *a: None)
    assert caught.value is error

    body = Body([])

    def failing_body():
        yield b"x"
        raise error

    class Closing(Body):
        def __iter__(self):
            return failing_body()

    closing = Closing([])

    def streaming_app(environ, start_response):
        start_response("200 OK", [])
        return closing

    result = WSGIMiddleware(streaming_app)({"REQUEST_METHOD": "GET"}, lambda *a: None)
    with pytest.raises(Boom):
        list(result)
    result.close()
    assert closing.closed == 1 and body.closed == 0
    outcomes = {f: n for r in [_shard(fresh_runtime)] for f, n in [(x["route"], x["count"]) for x in r["routes"]]}
    assert outcomes == {"<unmatched>": 2}


def test_wsgi_keeps_file_wrapper_and_len(fresh_runtime):
    class FileWrapper:
        def __init__(self, f):
            self.f = f

        def __iter__(self):
            return iter([b"file"])

    wrapped_file = FileWrapper(None)

    def app(environ, start_response):
        start_response("200 OK", [])
        return wrapped_file if environ["PATH_INFO"] == "/file" else [b"one"]

    middleware = WSGIMiddleware(app)
    environ = {"REQUEST_METHOD": "GET", "wsgi.file_wrapper": FileWrapper}
    assert middleware({**environ, "PATH_INFO": "/file"}, lambda *a: None) is wrapped_file  # sendfile kept
    listed = middleware({**environ, "PATH_INFO": "/list"}, lambda *a: None)
    assert len(listed) == 1 and list(listed) == [b"one"]


def test_disabled_by_environment_is_a_pass_through(fresh_runtime, monkeypatch):
    monkeypatch.setenv("GREENIT_RUNTIME", "0")
    body = [b"x"]

    def app(environ, start_response):
        return body

    assert WSGIMiddleware(app)({}, None) is body  # not even wrapped
    assert not registry.INFLIGHT and not registry.FINISHED


def test_explicit_arguments_win_over_environment(fresh_runtime, monkeypatch):
    monkeypatch.setenv("GREENIT_RUNTIME_WARN_S", "3")
    monkeypatch.setenv("GREENIT_RUNTIME_VIOLATION_S", "7")
    middleware = WSGIMiddleware(lambda e, s: [], violation_s=9)
    assert (middleware.config.warn_s, middleware.config.violation_s) == (3.0, 9.0)
    # Fails open: a contradictory pair is logged and replaced by the defaults, the app still boots.
    assert WSGIMiddleware(lambda e, s: [], warn_s=10, violation_s=5).config.violation_s == 60.0


@pytest.mark.parametrize("raw", ["abc", "-1", "nan", "inf"])
def test_bad_environment_value_is_replaced_by_its_default(fresh_runtime, monkeypatch, raw):
    monkeypatch.setenv("GREENIT_RUNTIME_WARN_S", raw)
    middleware = WSGIMiddleware(lambda e, s: [b"ok"], bogus_option=1)
    assert middleware.config.warn_s == 10.0


def test_unwritable_report_dir_falls_back_and_the_app_still_answers(fresh_runtime, tmp_path):
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    middleware = WSGIMiddleware(lambda e, s: (s("200 OK", []), [b"ok"])[1], report_dir=str(blocked / "sub"))
    assert middleware.config.report_dir != str(blocked / "sub")
    assert list(middleware({"REQUEST_METHOD": "GET"}, lambda *a: None)) == [b"ok"]


def test_streaming_body_has_no_len_and_a_list_body_keeps_it(fresh_runtime):
    def stream(environ, start_response):
        start_response("200 OK", [])
        yield b"chunk"

    body = WSGIMiddleware(stream)({"REQUEST_METHOD": "GET"}, lambda *a: None)
    assert not hasattr(body, "__len__")  # waitress calls len() on any body that has it
    assert list(body) == [b"chunk"]
    sized = WSGIMiddleware(lambda e, s: (s("200 OK", []), [b"a", b"b"])[1])({"REQUEST_METHOD": "GET"}, lambda *a: None)
    assert len(sized) == 2 and list(sized) == [b"a", b"b"]


def test_circuit_breaker_trips_after_repeated_internal_errors(fresh_runtime, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("hook bug")

    middleware = WSGIMiddleware(lambda e, s: [b"ok"])
    monkeypatch.setattr(registry, "begin", broken)
    for _ in range(7):
        assert list(middleware({"REQUEST_METHOD": "GET"}, lambda *a: None)) == [b"ok"]
    assert registry.STATE.tripped and registry.STATE.errors == 5  # no more attempts once tripped


def test_inflight_registry_is_capped_and_counts_overflow(fresh_runtime, monkeypatch):
    WSGIMiddleware(lambda e, s: [])
    monkeypatch.setattr(registry, "MAX_INFLIGHT", 2)
    before = registry.STATE.dropped["inflight"]
    records = [registry.begin(None, "GET", None, "test") for _ in range(5)]
    assert len(registry.INFLIGHT) == 2 and registry.STATE.dropped["inflight"] - before == 3
    for rec in records:
        registry.finish(rec)
    assert not registry.INFLIGHT


def _run_asgi(app, scope, messages=()):
    sent = []
    incoming = list(messages)

    async def receive():
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def test_asgi_passes_lifespan_and_websocket_scopes_through_untouched(fresh_runtime):
    seen = []

    async def app(scope, receive, send):
        seen.append((scope["type"], await receive()))
        await send({"type": f"{scope['type']}.reply"})

    middleware = ASGIMiddleware(app)
    assert _run_asgi(middleware, {"type": "websocket"}, [{"type": "websocket.connect"}]) == [{"type": "websocket.reply"}]
    assert _run_asgi(middleware, {"type": "lifespan"}, [{"type": "lifespan.startup"}]) == [{"type": "lifespan.reply"}]
    assert seen == [("websocket", {"type": "websocket.connect"}), ("lifespan", {"type": "lifespan.startup"})]
    assert not registry.FINISHED


def test_asgi_forwards_messages_unchanged_and_never_reads_the_request_body(fresh_runtime):
    messages = [{"type": "http.response.start", "status": 418, "headers": [(b"x", b"y")]},
                {"type": "http.response.body", "body": b"a", "more_body": True},
                {"type": "http.response.body", "body": b"b"}]

    async def app(scope, receive, send):
        for message in messages:
            await send(message)

    pending = [{"type": "http.request", "body": b"secret", "more_body": False}]
    sent = _run_asgi(ASGIMiddleware(app), {"type": "http", "method": "POST", "path": "/x"}, pending)
    assert sent == messages and all(a is b for a, b in zip(sent, messages))
    assert pending == [{"type": "http.request", "body": b"secret", "more_body": False}]  # not consumed
    shard = _shard(fresh_runtime)
    assert shard["routes"][0]["method"] == "POST" and shard["routes"][0]["statuses"] == {"4xx": 1}
    assert "secret" not in json.dumps(shard)


def test_asgi_reraises_the_apps_exception_and_records_the_outcome(fresh_runtime):
    async def app(scope, receive, send):
        await asyncio.sleep(0.3)
        raise KeyError("mine")

    with pytest.raises(KeyError):
        _run_asgi(ASGIMiddleware(app, warn_s=0.1, violation_s=1), {"type": "http", "method": "GET"})
    (warning,) = _shard(fresh_runtime)["findings"]
    assert warning["severity"] == "warning" and warning["outcomes"] == {"exception:KeyError": 1}
    assert warning["kind"] == "async-awaiting"


def test_wsgi_wait_ends_at_the_first_non_empty_chunk_not_at_start_response(fresh_runtime, monkeypatch):
    from greenit_async_lint.runtime import wsgi

    clock = [100.0]
    monkeypatch.setattr(wsgi, "perf_counter", lambda: clock[0])
    monkeypatch.setattr(registry, "perf_counter", lambda: clock[0])

    def app(environ, start_response):
        start_response("200 OK", [])
        yield b""  # an empty chunk gives the user nothing
        clock[0] += 3.0  # the generator blocks before its first byte
        yield b"first"
        clock[0] += 2.0  # streaming time, measured apart
        yield b"last"

    body = WSGIMiddleware(app, warn_s=1, violation_s=2)({"REQUEST_METHOD": "GET"}, lambda *a: None)
    assert list(body) == [b"", b"first", b"last"]
    body.close()
    (route,) = _shard(fresh_runtime)["routes"]
    assert route["max_wait_s"] == pytest.approx(3.0) and route["violations"] == 1
    assert route["max_stream_s"] == pytest.approx(2.0)

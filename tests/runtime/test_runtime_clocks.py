"""The wait clocks, in process, with a fake clock: what each protocol event starts and stops.

The synchronous wait runs from entry to the user's first byte; the streaming time from there to the
last body byte; nothing after. A fake perf_counter replaces the real one in every module that reads
it, so each figure is exact and no test sleeps.
"""
from __future__ import annotations

import asyncio

import pytest

from greenit_async_lint.runtime import ASGIMiddleware, WSGIMiddleware, asgi, registry, wsgi


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch, fresh_runtime):
    fake = FakeClock()
    for module in (registry, wsgi, asgi):
        monkeypatch.setattr(module, "perf_counter", fake)
    finished: list = []
    real_finish = registry.finish

    def finish(rec, outcome=None):
        real_finish(rec, outcome)
        finished.append(rec)

    monkeypatch.setattr(registry, "finish", finish)
    fake.finished = finished
    return fake


def waits(rec) -> tuple[float, float]:
    return round(rec.t_headers - rec.t0, 6), round(rec.t_body_end - rec.t_headers, 6)


def test_wsgi_wait_runs_to_the_first_non_empty_chunk_and_the_stream_to_the_last(clock):
    def app(environ, start_response):
        clock.advance(1.0)  # the view's own work
        start_response("200 OK", [])

        def body():
            clock.advance(2.0)  # still nothing for the user
            yield b""
            clock.advance(0.5)
            yield b"first"
            clock.advance(3.0)  # streaming
            yield b"last"

        return body()

    result = WSGIMiddleware(app)({"REQUEST_METHOD": "GET"}, lambda *a: None)
    assert list(result) == [b"", b"first", b"last"]
    clock.advance(9.0)  # close() callbacks run after the response
    result.close()
    (rec,) = clock.finished
    assert waits(rec) == (3.5, 3.0)


def test_wsgi_empty_body_ends_the_wait_at_its_end_and_an_exception_before_the_body_too(clock):
    def empty(environ, start_response):
        start_response("204 No Content", [])
        clock.advance(1.25)
        return []

    list(WSGIMiddleware(empty)({"REQUEST_METHOD": "GET"}, lambda *a: None))
    (rec,) = clock.finished
    assert waits(rec) == (1.25, 0.0) and rec.status == 204

    def broken(environ, start_response):
        clock.advance(0.75)
        raise ValueError("app bug")

    with pytest.raises(ValueError):
        WSGIMiddleware(broken)({"REQUEST_METHOD": "GET"}, lambda *a: None)
    rec = clock.finished[-1]
    assert rec.t_end - rec.t0 == pytest.approx(0.75) and rec.outcome == "exception:ValueError"


def test_asgi_wait_runs_to_response_start_and_the_stream_to_the_last_body_message(clock):
    async def app(scope, receive, send):
        clock.advance(1.5)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        clock.advance(2.0)
        await send({"type": "http.response.body", "body": b"a", "more_body": True})
        clock.advance(0.25)
        await send({"type": "http.response.body", "body": b"b"})
        clock.advance(5.0)  # background work after the response

    async def receive():
        return {"type": "http.disconnect"}

    async def send(message):
        pass

    asyncio.run(ASGIMiddleware(app)({"type": "http", "method": "GET", "path": "/"}, receive, send))
    (rec,) = clock.finished
    assert waits(rec) == (1.5, 2.25) and rec.status == 200
    assert rec.kind == "async-awaiting"  # an async request is never labelled sync-thread


def test_nested_wsgi_hooks_measure_a_request_once(clock):
    def app(environ, start_response):
        clock.advance(0.5)
        start_response("200 OK", [])
        return [b"ok"]

    outer = WSGIMiddleware(WSGIMiddleware(app))
    assert list(outer({"REQUEST_METHOD": "GET"}, lambda *a: None)) == [b"ok"]
    (rec,) = clock.finished
    assert waits(rec) == (0.5, 0.0)

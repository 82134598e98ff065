"""Flask app served by gunicorn in the runtime tests; thresholds come from GREENIT_RUNTIME_* env."""
from __future__ import annotations

import os
import time

from flask import Flask, Response, stream_with_context

from greenit_async_lint.runtime.flask import init_app

app = Flask(__name__)


@app.get("/fast")
def fast() -> str:
    return "fast"


@app.get("/report/<int:pk>")
def slow_report(pk: int) -> str:
    time.sleep(float(os.environ.get("APP_SLOW_S", "1.0")))  # the blocking call the report must name
    return f"report {pk}"


@app.get("/warn")
def warn() -> str:
    time.sleep(0.3)
    return "warn"


@app.get("/close-callback")
def close_callback() -> Response:
    response = Response("done")
    response.call_on_close(lambda: time.sleep(1.0))  # after the response: must not count
    return response


@app.get("/stream")
def stream() -> Response:
    def chunks():
        yield "start\n"  # the first byte at once: only the streaming time is long
        for i in range(4):
            time.sleep(0.25)
            yield f"chunk {i}\n"

    return Response(stream_with_context(chunks()), mimetype="text/plain")


@app.get("/late-stream")
def late_stream() -> Response:
    def chunks():
        time.sleep(1.0)  # blocks after start_response, before the user's first byte
        yield "late\n"

    return Response(stream_with_context(chunks()), mimetype="text/plain")


@app.get("/boom")
def boom() -> str:
    raise RuntimeError("app error")


if os.environ.get("APP_HOOK_FAULT") == "1":
    # Break the hook's own bookkeeping: every request must still get its normal response.
    from greenit_async_lint.runtime import registry

    def _broken(*args, **kwargs):
        raise RuntimeError("injected hook fault")

    registry.resolve_now = _broken  # type: ignore[assignment]
    registry.begin = _broken  # type: ignore[assignment]

init_app(app)

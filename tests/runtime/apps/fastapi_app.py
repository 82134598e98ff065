"""FastAPI app served by uvicorn in the runtime tests; thresholds come from GREENIT_RUNTIME_* env."""
from __future__ import annotations

import asyncio
import time

from fastapi import BackgroundTasks, FastAPI
from fastapi.responses import StreamingResponse

from greenit_async_lint.runtime.starlette import install

app = FastAPI()


@app.get("/fast")
async def fast() -> dict:
    return {"ok": True}


@app.get("/blocking/{item_id}")
async def blocking_async(item_id: int) -> dict:
    time.sleep(0.8)  # blocks the event loop: a loop stall and a violation
    return {"item": item_id}


@app.get("/threadpool")
def threadpool_sync() -> dict:
    time.sleep(0.8)  # a `def` endpoint: runs in anyio's thread pool
    return {"ok": True}


@app.get("/awaiting")
async def awaiting() -> dict:
    await asyncio.sleep(0.8)  # waits without blocking the loop: a violation, no stall
    return {"ok": True}


_GATE: dict = {"arrived": 0, "event": None}


async def _both_arrived() -> None:
    """Release two handlers in the same loop iteration, so they block the loop back to back
    with no heartbeat in between (the case that used to merge into one stall)."""
    if _GATE["event"] is None:
        _GATE["event"] = asyncio.Event()
    event = _GATE["event"]
    _GATE["arrived"] += 1
    if _GATE["arrived"] == 2:
        _GATE["arrived"], _GATE["event"] = 0, None
        event.set()
    await asyncio.wait_for(event.wait(), 5)


@app.get("/hold-first")
async def hold_first() -> dict:
    await _both_arrived()
    time.sleep(0.6)  # first of two back-to-back stalls
    return {"ok": True}


@app.get("/hold-second")
async def hold_second() -> dict:
    await _both_arrived()
    time.sleep(0.6)  # second of two back-to-back stalls
    return {"ok": True}


def _after_response() -> None:
    time.sleep(1.0)


@app.get("/background")
async def background(tasks: BackgroundTasks) -> dict:
    tasks.add_task(_after_response)  # runs after the response: must not count
    return {"queued": True}


@app.get("/stream")
async def stream() -> StreamingResponse:
    async def chunks():
        for i in range(4):
            await asyncio.sleep(0.25)
            yield f"chunk {i}\n".encode()

    return StreamingResponse(chunks(), media_type="text/plain")


install(app)

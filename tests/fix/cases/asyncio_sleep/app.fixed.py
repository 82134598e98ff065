"""Async endpoints that back off with time.sleep."""

from fastapi import FastAPI
import asyncio

app = FastAPI()


@app.post("/retry")
async def retry(attempts: int):
    for attempt in range(3):
        # back off before the next try
        await asyncio.sleep(2 ** attempt)  # this comment stays
    return {"attempts": attempts}


@app.get("/slow")
async def slow():
    await asyncio.sleep(0.5)
    return {"ok": True}

"""Async endpoints that back off with time.sleep."""
import time
from time import sleep as pause

from fastapi import FastAPI

app = FastAPI()


@app.post("/retry")
async def retry(attempts: int):
    for attempt in range(3):
        # back off before the next try
        time.sleep(2 ** attempt)  # this comment stays
    return {"attempts": attempts}


@app.get("/slow")
async def slow():
    pause(0.5)
    return {"ok": True}

"""Async endpoints with blocking file and process calls."""
import subprocess
from pathlib import Path

from fastapi import FastAPI
import asyncio

app = FastAPI()
REPORTS = Path("/srv/reports")


async def read_summary(name: str) -> str:
    # async in name only: the read blocks the event loop
    return await asyncio.to_thread((REPORTS / f"{name}.txt").read_text, encoding="utf-8")


@app.get("/summary/{name}")
async def summary(name: str):
    return {"summary": await read_summary(name)}


@app.get("/raw/{name}")
async def raw(name: str):
    path = REPORTS / f"{name}.txt"
    data = await asyncio.to_thread(lambda: open(path).read())
    return {"raw": data}


@app.post("/print/{name}")
async def print_report(name: str):
    await asyncio.to_thread(
        subprocess.run,
        ["lp", str(REPORTS / name)],
        check=True,
    )
    return {"printed": name}


@app.get("/meta/{name}")
async def meta(name: str):
    with open(REPORTS / f"{name}.meta") as handle:
        return {"meta": handle.read()}

"""Async endpoints calling a sync HTTP client."""
import requests
from fastapi import FastAPI
import asyncio

app = FastAPI()
RATES_URL = "https://rates.example.com/today"


@app.get("/rates")
async def rates():
    return await asyncio.to_thread(lambda: requests.get(RATES_URL, timeout=10).json())


@app.post("/notify")
async def notify(user_id: int):
    reply = await asyncio.to_thread(
        requests.post,
        "https://hooks.example.com/notify",
        json={"user": user_id},
        timeout=10,
    )
    return {"status": reply.status_code}

"""Async endpoints calling a sync HTTP client."""
import requests
from fastapi import FastAPI

app = FastAPI()
RATES_URL = "https://rates.example.com/today"


@app.get("/rates")
async def rates():
    return requests.get(RATES_URL).json()


@app.post("/notify")
async def notify(user_id: int):
    reply = requests.post(
        "https://hooks.example.com/notify",
        json={"user": user_id},
    )
    return {"status": reply.status_code}

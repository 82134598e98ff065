import httpx
from fastapi import FastAPI
from redis import Redis
from rq import Queue

app = FastAPI()
queue = Queue(connection=Redis())


@app.get("/rates")
async def rates():
    async with httpx.AsyncClient(timeout=10) as client:
        reply = await client.get("https://rates.example.com/today")
    return reply.json()


@app.post("/prices")
async def prices(skus: list[str]):
    found = []
    async with httpx.AsyncClient(timeout=10) as client:
        for sku in skus:
            reply = await client.get(f"https://prices.example.com/{sku}")
            found.append(reply.json())
    return {"count": len(found)}

"""Article endpoints."""
import requests
from fastapi import BackgroundTasks, Depends, FastAPI

app = FastAPI()
HOOK = "https://hooks.example.com/articles"


def get_user() -> dict:
    return {"id": 1}


@app.post("/articles/{article_id}/publish")
def publish(
    article_id: int,
    background_tasks: BackgroundTasks,
    user: dict = Depends(get_user),
):
    background_tasks.add_task(requests.post, HOOK, json={"published": article_id, "by": user["id"]}, timeout=10)
    return {"published": article_id}


@app.post("/articles/{article_id}/share")
def share(article_id: int, tasks: BackgroundTasks):
    tasks.add_task(requests.post, HOOK, json={"shared": article_id}, timeout=5)
    return {"shared": article_id}


@app.get("/articles/{article_id}/preview")
def preview(article_id: int):
    reply = requests.get(f"{HOOK}/{article_id}", timeout=10)
    return reply.json()

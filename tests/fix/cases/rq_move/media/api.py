"""Video endpoints."""
from fastapi import FastAPI

from .transcode import transcode

app = FastAPI()


@app.post("/videos/{video_id}/transcode")
def transcode_video(video_id: str, preset: str = "1280:720"):
    transcode(video_id, preset)
    return {"video": video_id}

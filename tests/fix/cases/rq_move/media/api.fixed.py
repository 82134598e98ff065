"""Video endpoints."""
from fastapi import FastAPI
from .jobs import queue
from .tasks import transcode_video_task
from fastapi.responses import JSONResponse

app = FastAPI()


@app.post("/videos/{video_id}/transcode")
def transcode_video(video_id: str, preset: str = "1280:720"):
    job = queue.enqueue(transcode_video_task, video_id, preset)
    return JSONResponse({"status": f"/jobs/{job.id}"}, status_code=202)

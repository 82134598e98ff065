"""Task-queue jobs: work moved out of the request path (GreenIT practice 112)."""
from .transcode import transcode


def transcode_video_task(video_id: str, preset: str):
    """The work of the `transcode_video` handler (media.api), run by the task queue (RQ), not in the request."""
    transcode(video_id, preset)

"""ffmpeg transcoding: minutes per video."""
import subprocess


def transcode(video_id: str, preset: str) -> str:
    target = f"/srv/media/{video_id}-{preset}.mp4"
    subprocess.run(["ffmpeg", "-i", f"/srv/media/{video_id}.mp4", "-vf", f"scale={preset}", target], check=True)
    return target

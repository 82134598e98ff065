"""Document conversion in the request (the card's example, before)."""
import subprocess

from celery import shared_task
from flask import Flask, request

app = Flask(__name__)


@shared_task
def cleanup():
    subprocess.run(["find", "/srv/uploads", "-mtime", "+7", "-delete"], check=True)


@app.post("/convert")
def convert():
    for upload in request.files.getlist("documents"):
        path = f"/srv/uploads/{upload.filename}"
        upload.save(path)
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", path], check=True)
    return {"converted": True}

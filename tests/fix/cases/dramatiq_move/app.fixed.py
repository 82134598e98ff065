"""Account exports."""

from flask import Flask
from tasks import export_task

app = Flask(__name__)


@app.post("/exports/<int:account_id>")
def export(account_id: int):
    job = export_task.send(account_id)
    return {"status": f"/jobs/{job.message_id}"}, 202

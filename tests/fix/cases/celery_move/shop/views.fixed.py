"""Report views."""
from flask import Blueprint, request

from .reports import build_report
from .tasks import report_pdf_task

bp = Blueprint("reports", __name__)


@bp.get("/reports/<name>.pdf")
def report_pdf(name: str):
    """Renders the report while the user waits."""
    job = report_pdf_task.delay(name)
    return {"status": f"/jobs/{job.id}"}, 202


@bp.post("/reports/upload")
def upload():
    name = request.form["name"]
    path = build_report(name)
    return {"path": str(path)}

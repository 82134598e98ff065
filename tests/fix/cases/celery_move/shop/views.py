"""Report views."""
from flask import Blueprint, request, send_file

from .reports import build_report

bp = Blueprint("reports", __name__)


@bp.get("/reports/<name>.pdf")
def report_pdf(name: str):
    """Renders the report while the user waits."""
    # the conversion takes minutes on big reports
    path = build_report(name)
    return send_file(path, mimetype="application/pdf")


@bp.post("/reports/upload")
def upload():
    name = request.form["name"]
    path = build_report(name)
    return {"path": str(path)}

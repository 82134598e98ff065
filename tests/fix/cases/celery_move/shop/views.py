"""Report views."""
from flask import Blueprint, request, send_file

from .reports import build_report

bp = Blueprint("reports", __name__)


@bp.post("/reports/<name>/rebuild")
def rebuild_report(name: str):
    """Renders the stored report again while the user waits."""
    # the conversion takes minutes on big reports
    build_report(name)
    return {"report": name}


@bp.get("/reports/<name>.pdf")
def report_pdf(name: str):
    path = build_report(name)
    return send_file(path, mimetype="application/pdf")


@bp.post("/reports/upload")
def upload():
    name = request.form["name"]
    path = build_report(name)
    return {"path": str(path)}

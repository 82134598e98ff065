"""Task-queue jobs: work moved out of the request path (GreenIT practice 112)."""
from .services import render_pdf
from celery import shared_task


@shared_task
def rebuild_pdf_task(report_id: int):
    """The work of the `rebuild_pdf` handler (reports.views), run by the task queue (Celery), not in the request."""
    render_pdf(report_id)

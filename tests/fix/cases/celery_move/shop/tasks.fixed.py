"""Celery tasks of the shop."""
from celery import shared_task

from .reports import build_report


@shared_task
def nightly_report():
    return str(build_report("nightly"))


@shared_task
def report_pdf_task(name: str):
    """The work of the `report_pdf` handler (shop.views), run by the task queue (Celery), not in the request."""
    # the conversion takes minutes on big reports
    path = build_report(name)
    return path

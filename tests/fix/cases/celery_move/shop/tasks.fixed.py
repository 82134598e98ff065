"""Celery tasks of the shop."""
from celery import shared_task

from .reports import build_report


@shared_task
def nightly_report():
    return str(build_report("nightly"))


@shared_task
def rebuild_report_task(name: str):
    """The work of the `rebuild_report` handler (shop.views), run by the task queue (Celery), not in the request."""
    # the conversion takes minutes on big reports
    build_report(name)

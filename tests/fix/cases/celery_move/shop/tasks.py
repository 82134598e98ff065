"""Celery tasks of the shop."""
from celery import shared_task

from .reports import build_report


@shared_task
def nightly_report():
    return str(build_report("nightly"))

"""Report views."""
from django.http import HttpResponse, JsonResponse
from django.urls import path

from .services import render_pdf


def rebuild_pdf(request, report_id: int):
    render_pdf(report_id)
    return JsonResponse({"report": report_id})


def report_pdf(request, report_id: int):
    pdf = render_pdf(report_id)
    return HttpResponse(pdf, content_type="application/pdf")


urlpatterns = [path("reports/<int:report_id>/rebuild", rebuild_pdf), path("reports/<int:report_id>.pdf", report_pdf)]

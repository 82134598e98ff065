"""Report views."""
from django.http import JsonResponse
from django.urls import path
from .tasks import report_pdf_task


def report_pdf(request, report_id: int):
    job = report_pdf_task.delay(report_id)
    return JsonResponse({"status": f"/jobs/{job.id}"}, status=202)


urlpatterns = [path("reports/<int:report_id>.pdf", report_pdf)]

"""A one-file Django project served by gunicorn in the runtime tests (settings, views, URLs)."""
from __future__ import annotations

import os
import time

import django
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path
from django.views import View

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="runtime-tests-only",
        ALLOWED_HOSTS=["127.0.0.1", "localhost", "testserver"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[
            "greenit_async_lint.runtime.django.RuntimeMiddleware",
            "greenit_async_lint.runtime.django.ThreadMarkerMiddleware",
        ],
        INSTALLED_APPS=[],
        DATABASES={},
        GREENIT_RUNTIME={"report_dir": os.environ.get("GREENIT_RUNTIME_DIR", "greenit-runtime")},
    )
    django.setup()


def fast(request):
    return HttpResponse("fast")


class ReportView(View):
    def get(self, request, pk):
        time.sleep(1.0)  # the blocking call the report must name
        return HttpResponse(f"report {pk}")


def stream(request):
    def chunks():
        for i in range(4):
            time.sleep(0.25)
            yield f"chunk {i}\n"

    return StreamingHttpResponse(chunks())


async def async_blocking(request):
    time.sleep(0.6)  # blocks the event loop under ASGI
    return HttpResponse("blocked")


urlpatterns = [
    path("fast/", fast),
    path("report/<int:pk>/", ReportView.as_view()),
    path("stream/", stream),
    path("async-blocking/", async_blocking),
]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

from django.core.asgi import get_asgi_application  # noqa: E402

asgi_application = get_asgi_application()  # for hypercorn and daphne

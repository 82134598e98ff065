"""Flask adapter: `init_app(app, **options)` wraps `app.wsgi_app` with the WSGI middleware.

Wrapping `wsgi_app` rather than the app keeps `app` a Flask object (its CLI, test client and
extensions keep working). Route templates come from `request.url_rule`, handlers from
`app.view_functions`; both are read from werkzeug's request object, so Flask is not imported here.
"""
from __future__ import annotations

from typing import Any

from .wsgi import WSGIMiddleware


def init_app(app: Any, **options: Any) -> Any:
    """Measure every request of this Flask app; returns the app. Idempotent."""
    if not isinstance(app.wsgi_app, WSGIMiddleware):
        app.wsgi_app = WSGIMiddleware(app.wsgi_app, **options)
    app.extensions["greenit_runtime"] = app.wsgi_app
    return app

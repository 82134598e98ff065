"""Find the request handlers of a project, with the framework rules from the catalogue.

A handler is a function or method that runs while a user waits for the response: a decorated
route function, a registered view, a class-based view's HTTP-method methods and the hooks the
framework calls during the request. Each also carries extra roots: work the framework runs in
the same request before or around it (FastAPI dependencies, a view's `form_class` validators).

One module per mechanism (decorators, registrations, class_views, dependencies); each returns
what it found and finder.py's HandlerFinder merges it; model.py holds what they produce.
"""
from __future__ import annotations

from typing import Any

from .model import Handler, Registration, Root


def __getattr__(name: str) -> Any:
    # The finder imports the whole analysis (evaluator, index, every mechanism); what handlers
    # are (the model) is all a warm run reads, answered from the result cache (engine.py).
    if name == "HandlerFinder":
        from .finder import HandlerFinder
        return HandlerFinder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Handler", "HandlerFinder", "Registration", "Root"]

"""Signature fallbacks (analysis/fallbacks.py): the repeat of a call in `except TypeError:` with
fewer arguments is not a second call; another callee there, or another handler, still is."""
from __future__ import annotations

from greenit_async_lint.analysis.fallbacks import fallbacks
from greenit_async_lint.analysis.summarize import summarize

SOURCE = """
def get(cm, path):
    try:
        model = cm.get(path, require_hash=True)
    except TypeError:
        model = cm.get(path)
    return model

def other(cm, path):
    try:
        return cm.get(path, require_hash=True)
    except TypeError:
        return cm.legacy_get(path)

def not_type_error(cm, path):
    try:
        return cm.get(path, require_hash=True)
    except ValueError:
        return cm.get(path)

def same_arguments(cm, path):
    try:
        return cm.get(path)
    except TypeError:
        return cm.get(path)
"""


def _skipped(function: str) -> list[int]:
    module = summarize(SOURCE.encode(), "app.py", "app", False)
    calls = module.functions[function].scope.calls
    return sorted(calls[i].line for i in fallbacks(calls))


def test_the_repeat_without_the_new_argument_is_a_fallback() -> None:
    assert _skipped("get") == [6]


def test_other_callees_handlers_and_same_arguments_are_kept() -> None:
    assert _skipped("other") == []
    assert _skipped("not_type_error") == []
    assert _skipped("same_arguments") == []

"""Signature fallbacks: the repeat of a call in `except TypeError:` is not a second call.

Code written against a plug-in interface that grew an argument calls the new signature first and
falls back to the old one when the implementation does not accept it:

    try:
        model = cm.get(path, content=content, require_hash=require_hash)
    except TypeError:  # a manager written before require_hash
        model = cm.get(path, content=content)

The work runs once per request, at whichever call binds: reporting the fallback too doubles every
finding of that callee. A call site under an `except TypeError` handler is such a fallback when
the same function calls the same callee (same source text) earlier, outside that handler, with
more arguments: it is left out, and the earlier call carries the work.
"""
from __future__ import annotations

from .ir import CallSite, Guard, Name


def _catches_type_error(guard: Guard) -> bool:
    return guard.kind == "except" and isinstance(guard.subject, Name) and guard.subject.id == "TypeError"


def fallbacks(calls: list[CallSite]) -> frozenset[int]:
    """The positions in `calls` (a function's call sites, in source order) of signature fallbacks."""
    out: set[int] = set()
    for i, cs in enumerate(calls):
        handler = next((g for g in cs.guards if _catches_type_error(g)), None)
        if handler is None:
            continue
        size = len(cs.args) + len(cs.kwargs)
        if any(earlier.text == cs.text and earlier.line < cs.line and handler not in earlier.guards
               and len(earlier.args) + len(earlier.kwargs) > size for earlier in calls[:i]):
            out.add(i)
    return frozenset(out)

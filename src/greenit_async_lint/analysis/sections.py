"""Settings sections: which group of dotted setting keys an expression or a function reads.

A backend chosen by a setting (`config.maybe_dotted(settings["archive_files.backend"])`) cannot
be followed, and the classes declared as implementing its interface stand in for it (locators.py).
When one interface has several registrations under different names, each chosen by its own
setting (`files.backend` for the "cache" storage, `archive_files.backend` for the "archive" one),
the implementations are told apart by the settings they read: the archive backend's factory reads
`archive_files.bucket` or `archive_files.path`, the cache backends' `files.bucket`. A setting key's
section is its part before the first dot; an implementation whose factory reads a section of the
setting that chose the backend is one of that registration's, and when none does, all stand in.
"""
from __future__ import annotations

import re
from typing import Iterable

from .ir import Const, Expr, Function, Name
from .project import BoundExpr, Ctx, Project

_KEY = re.compile(r"^([A-Za-z_][\w-]*)\.[A-Za-z_]")  # `archive_files.bucket`: a dotted setting key
_MAX_NODES = 2000  # bounded: a function body is read once per registration


def sections(exprs: Iterable[object]) -> frozenset[str]:
    """The sections of the dotted string constants in some expressions."""
    out: set[str] = set()
    stack = list(exprs)
    seen = 0
    while stack and seen < _MAX_NODES:
        node = stack.pop()
        seen += 1
        if isinstance(node, Const):
            match = _KEY.match(node.value) if isinstance(node.value, str) else None
            if match:
                out.add(match.group(1))
        elif isinstance(node, tuple):
            stack.extend(part for part in node if isinstance(part, tuple))
    return frozenset(out)


def chosen_by(p: Project, expr: Expr, ctx: Ctx) -> frozenset[str]:
    """The sections of the settings an expression is chosen by: its own constants and those of the
    local names it reads (`storage_class.create_service`, `storage_class = maybe_dotted(...)`)."""
    exprs: list[object] = [expr]
    stack: list[object] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Name):
            exprs.extend(b.binding for b in p.bindings(node.id, ctx) if isinstance(b, BoundExpr))
        elif isinstance(node, tuple) and not isinstance(node, Const):
            stack.extend(part for part in node if isinstance(part, tuple))
    return sections(exprs)


def read_by(fn: Function) -> frozenset[str]:
    """The sections of the settings a function reads (in its calls, bindings and returns)."""
    exprs: list[object] = [c.func for c in fn.scope.calls]
    exprs.extend(a for c in fn.scope.calls for a in c.args)
    exprs.extend(v for c in fn.scope.calls for _, v in c.kwargs)
    exprs.extend(b for bindings in fn.scope.names.values() for b in bindings)
    exprs.extend(fn.return_values)
    return sections(exprs)

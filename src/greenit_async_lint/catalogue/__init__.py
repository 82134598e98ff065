"""The catalogues as data: rule codes, work families, offloads and framework handler markers.

`schema` validates YAML (every error names its key), `patterns` matches qualified names,
`frameworks` parses the per-framework rules, and `load` reads `rules/` plus the user's extras
into one `Catalogue`. Nothing here knows the engine; the engine reads only this package.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .schema import CatalogueError

if TYPE_CHECKING:
    from .load import Catalogue, CodeInfo, default_catalogue, load_catalogue

__all__ = ["Catalogue", "CatalogueError", "CodeInfo", "default_catalogue", "load_catalogue"]


def __getattr__(name: str) -> Any:
    # `load` and the records it builds are imported on first use, not with the package: the
    # configuration's validators (schema) are needed long before the catalogue (sources.py).
    if name in __all__:
        from . import load
        return getattr(load, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

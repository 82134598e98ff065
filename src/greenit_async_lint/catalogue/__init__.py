"""The catalogues as data: rule codes, work families, offloads and framework handler markers.

`schema` validates YAML (every error names its key), `patterns` matches qualified names,
`frameworks` parses the per-framework rules, and `load` reads `rules/` plus the user's extras
into one `Catalogue`. Nothing here knows the engine; the engine reads only this package.
"""
from .load import Catalogue, CodeInfo, default_catalogue, load_catalogue
from .schema import CatalogueError

__all__ = ["Catalogue", "CatalogueError", "CodeInfo", "default_catalogue", "load_catalogue"]

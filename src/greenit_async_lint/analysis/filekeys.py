"""The key of a file's summary: its bytes and where it sits. The summary cache files summaries
under it, and the result cache records it per file, so that a run can tell which files changed
since the result it holds (cutoff.py)."""
from __future__ import annotations

import hashlib

from .discovery import SourceFile


def entry_key(data: bytes, src: SourceFile) -> str:
    """The cache key of a file's summary. Not the bytes' hash alone: identical files at several
    paths (netbox's 95 empty `__init__.py`) shared one entry, which served only one of them, so
    every run summarised the others again (about 100 files on netbox: enough to fork the workers
    for an edit of one file)."""
    digest = hashlib.sha256(data)
    digest.update(f"\0{src.display}\0{src.module}\0{src.is_package:d}".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()

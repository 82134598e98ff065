"""Whole-run result cache: when no file, setting or rule changed, the previous findings stand.

Keyed by the files' names, sizes and modification times (the same shortcut the summary cache
takes before it reads a file), the configuration, the catalogue and the tool version. A hit skips
loading the summaries and the whole cross-module analysis: the re-run of an unchanged project
costs a directory walk and one small file read.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any, Optional

from .. import __version__
from .discovery import SourceFile
from .ir import SUMMARY_FORMAT

_FILE = "result.pickle"


def fingerprint(files: list[SourceFile], settings: Any) -> Optional[str]:
    digest = hashlib.sha256(f"{__version__}\0{SUMMARY_FORMAT}\0{settings!r}".encode())
    for src in files:
        try:
            info = os.stat(src.path)
        except OSError:
            return None  # missing or unreadable files are reported afresh each run
        digest.update(f"{src.display}\0{src.module}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def load(folder: Path, key: Optional[str]) -> Optional[Any]:
    if key is None:
        return None
    try:
        with open(folder / _FILE, "rb") as handle:
            stored_key, result = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    return result if stored_key == key else None


def save(folder: Path, key: Optional[str], result: Any) -> None:
    if key is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".result-")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump((key, result), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / _FILE)
    except OSError:
        pass  # the cache is an optimisation: a read-only checkout still gets its report

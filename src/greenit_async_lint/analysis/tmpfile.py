"""A new temporary file beside the one it will replace, as `tempfile.mkstemp` makes it.

`tempfile`'s imports (shutil, random, bz2, lzma: about 4 ms) would otherwise be most of what a
cold check imports before its summary workers start, and of the result cache's write at its end:
the caches (safestore.py) and the report files (reporting/writefile.py) only need this.
"""
from __future__ import annotations

import os
from pathlib import Path

_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def temporary_file(folder: Path, prefix: str) -> tuple[int, str]:
    """A file made new in `folder` (never one that exists), that only this user can read, open
    for writing: its descriptor and its path."""
    for _attempt in range(100):
        name = os.path.join(folder, f"{prefix}{os.urandom(6).hex()}")
        try:
            return os.open(name, _FLAGS, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no new temporary file could be made in {folder}")


__all__ = ["temporary_file"]

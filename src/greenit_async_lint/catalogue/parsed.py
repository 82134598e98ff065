"""The shipped YAML catalogue, parsed once per content: a JSON copy in the user's cache folder.

Every run reads the built-in catalogue, and turning its YAML into Python objects (libyaml parses,
but the objects are built in Python), with the import of yaml itself, was most of the catalogue's
cost on a warm run. The copy is keyed by a digest of every rules file's name and text, so any
edit of rules/ (a checkout, a new version) is a miss. It is JSON in the user's cache folder,
outside every project, so no repository can plant it, and nothing is unpickled; it carries the
SHA-256 of its own body, so a damaged copy is a miss, as is any unreadable one. A document JSON
cannot hold exactly (a date, a non-string key) is never copied.
The result is the same documents: the catalogue is still built and validated from them on every
run, and the user's own additions (from the configuration, not YAML) are validated as before.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any, Optional

from .schema import CatalogueError

HEADER = b"greenit-async-lint parsed catalogue 1"
MAX_BYTES = 20_000_000
KEEP = 8  # copies kept side by side: each installed version (a venv, pre-commit's) reads its own


def load_yaml(text: str, where: str) -> Any:
    import yaml  # only when the catalogue changed (or on the first run)

    # libyaml's loader reads the catalogue several times faster than the pure-Python one; both are
    # the safe loader, so the same YAML means the same data.
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise CatalogueError(where, f"is not valid YAML: {exc}") from exc


def user_cache_folder() -> Optional[Path]:
    """The user's cache folder for this tool, outside every project (None without a home folder)."""
    try:
        base = os.environ.get("XDG_CACHE_HOME")
        return (Path(base) if base else Path.home() / ".cache") / "greenit-async-lint"
    except (RuntimeError, OSError):
        return None


def _store_path(digest: str) -> Optional[Path]:
    folder = user_cache_folder()
    return None if folder is None else folder / f"catalogue-{digest[:16]}"  # None: parse every time


def _read(path: Path, digest: str) -> Optional[dict[str, Any]]:
    """The copy made for `digest`, or None: `header / digest / sha256 of body / body`, one a line."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO planted there must not block
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            header, key, check, body = handle.read(MAX_BYTES).split(b"\n", 3)
        if header != HEADER or key.decode() != digest or hashlib.sha256(body).hexdigest() != check.decode():
            return None
        found = json.loads(body)
    except (OSError, ValueError, RecursionError):  # absent, short, damaged: parse the YAML
        return None
    return found if isinstance(found, dict) else None


def _write(path: Path, digest: str, body: bytes) -> None:
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(b"\n".join([HEADER, digest.encode(), hashlib.sha256(body).hexdigest().encode(), body]))
        os.replace(tmp, path)  # atomic: a concurrent run reads the old copy or the new one
        copies = sorted(path.parent.glob("catalogue-*"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in copies[KEEP:]:
            old.unlink()
    except OSError:  # a read-only or full disk costs the next run its speed, nothing else
        pass


def documents(texts: dict[str, str], digest: str) -> dict[str, Any]:
    """Each text of `texts` (file name -> YAML) parsed; `digest` names their whole content."""
    path = _store_path(digest)
    found = _read(path, digest) if path is not None else None
    if found is not None and list(found) == list(texts):
        return found
    parsed = {name: load_yaml(text, name) for name, text in texts.items()}
    if path is not None:
        try:
            copy = json.dumps(parsed, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
            if json.loads(copy) == parsed:  # exactly what YAML gave: else never cached
                _write(path, digest, copy.encode("utf-8"))
        except (TypeError, ValueError, RecursionError):
            pass
    return parsed

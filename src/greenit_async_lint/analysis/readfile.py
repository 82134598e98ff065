"""One reader for every file the fixer and the reports open: regular files only, size-limited, decoded.

A FIFO, a device or a directory named `x.py` (or `pyproject.toml`) would block `read()` forever or
fail deep inside a caller; a huge file would be read whole. Each caller gets `None` with a reason
instead and decides what to report. JSON documents (reports, baselines, merge inputs) are also
depth-bounded before `json.loads`, which would otherwise raise RecursionError on `[[[[...]]]]`.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Optional, Union

MAX_BYTES = 1_000_000  # the default `max-file-bytes`
MAX_JSON_BYTES = 200_000_000
MAX_JSON_DEPTH = 200


class Unreadable(Exception):
    """The file cannot be read as asked; `str(exc)` says why, for a message."""


def read_bytes(path: Union[str, Path], max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most `max_bytes`, opened without blocking on a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise Unreadable(f"{path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable(f"{path}: not a regular file")
        if info.st_size > max_bytes:
            raise Unreadable(f"{path}: {info.st_size} bytes, over the {max_bytes}-byte limit")
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:  # the file grew while it was read
                raise Unreadable(f"{path}: over the {max_bytes}-byte limit")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise Unreadable(f"{path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def read_text(path: Union[str, Path], max_bytes: int = MAX_BYTES, errors: str = "strict") -> str:
    try:
        return read_bytes(path, max_bytes).decode("utf-8", errors)
    except UnicodeDecodeError as exc:
        raise Unreadable(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None


def maybe_text(path: Union[str, Path], max_bytes: int = MAX_BYTES, errors: str = "replace") -> Optional[str]:
    """The text, or None when the file is not a readable regular file within the limit."""
    try:
        return read_text(path, max_bytes, errors)
    except Unreadable:
        return None


def json_depth_ok(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Is the nesting of brackets outside strings at most `limit`? (a linear scan, no recursion)"""
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def loads_json(text: str, what: str = "JSON", limit: int = MAX_JSON_DEPTH) -> object:
    """`json.loads` that refuses over-deep documents with a reason instead of a RecursionError."""
    if not json_depth_ok(text, limit):
        raise Unreadable(f"{what}: nested deeper than {limit} levels")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise Unreadable(f"{what}: not valid JSON ({exc})") from None


def read_json(path: Union[str, Path], max_bytes: int = MAX_JSON_BYTES, limit: int = MAX_JSON_DEPTH) -> object:
    return loads_json(read_text(path, max_bytes), str(path), limit)

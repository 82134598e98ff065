"""Write a file the user named (a report, a baseline): atomically, so that a reader never sees
half of it; with the mode a new file gets from the umask (mkstemp alone would leave it 0600); and
leaving no temporary file on failure. A device or a named pipe (`/dev/null`, `/dev/stdout`, a
FIFO) is written in place: renaming a file over it would turn a root user's /dev/null into a
regular file for every program after."""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Optional

from ..analysis.tmpfile import temporary_file


def device_or_pipe(path: Path) -> bool:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def write_text(path: Path, content: str) -> None:
    """Raises OSError when it cannot be written."""
    if device_or_pipe(path):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(content)
        return
    tmp: Optional[str] = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = temporary_file(path.parent, f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
        tmp = None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask

"""The run's source files for the codemods, by absolute path: each read and parsed once (sliced to
the functions the fixes touch), shared by every plan made from one report."""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

from ..analysis.readfile import Unreadable, read_bytes
from .astfile import AstFile
from .source import SourceFile


class Sources:
    """Parsed files by absolute path, shared by every plan made from one report.

    `focus`: the lines the fixes will touch, by absolute path; a file with focus is sliced to the
    functions holding them, any other file to its module-level statements. Without `focus`
    (None), every file is parsed whole; `whole` lists files to parse whole anyway (a slice the
    fixes could not restore)."""

    def __init__(self, cwd: Path, focus: Optional[dict[Path, set[int]]] = None) -> None:
        self.cwd = cwd
        self.files: dict[Path, SourceFile] = {}
        self.focus = focus
        self.whole: set[Path] = set()
        self.touched: set[Path] = set()  # every file asked for since the caller last cleared it
        self.contents: dict[Path, Optional[bytes]] = {}  # the bytes each file was parsed from (None: absent)
        self._syntax: dict[Path, Optional[AstFile]] = {}  # see `syntax`

    def get(self, path: Union[str, Path]) -> SourceFile:
        absolute = self._absolute(path)
        self.touched.add(absolute)
        if absolute not in self.files:
            data, problem = self._content(absolute)
            focus = None if self.focus is None or absolute in self.whole else self.focus.get(absolute, set())
            syntax = self._syntax.get(absolute)
            source = SourceFile(absolute, _display(absolute, self.cwd), data, focus,
                                syntax.tree if syntax is not None else None)
            if problem:
                source.module, source.error = None, problem
            else:
                self.contents[absolute] = data
            self.files[absolute] = source
        return self.files[absolute]

    def syntax(self, path: Union[str, Path]) -> Optional[AstFile]:
        """The file as `ast` reads it, for what a codemod can refuse without libcst's parse
        (early.py); None when `ast` cannot read it, or when libcst has parsed it already (its
        lookups then cost little). The file counts as read, as with `get`."""
        absolute = self._absolute(path)
        self.touched.add(absolute)
        if absolute in self.files:
            return None
        if absolute not in self._syntax:
            data, problem = self._content(absolute)
            found = None
            if data is not None and not problem:
                self.contents[absolute] = data
                found = AstFile.parse(data)
            self._syntax[absolute] = found
        return self._syntax[absolute]

    def _absolute(self, path: Union[str, Path]) -> Path:
        return Path(path) if Path(path).is_absolute() else self.cwd / path

    def _content(self, absolute: Path) -> tuple[Optional[bytes], Optional[str]]:
        """The bytes read already (by `syntax` or `get`), else read now (`_read`)."""
        return (self.contents[absolute], None) if absolute in self.contents else self._read(absolute)

    @staticmethod
    def _read(absolute: Path) -> tuple[Optional[bytes], Optional[str]]:
        """The file's bytes (None: absent, a module a fix may create), or the problem reading it."""
        if not absolute.exists() and not absolute.is_symlink():
            return None, None
        try:
            return read_bytes(absolute), None
        except Unreadable as exc:  # a FIFO, a device, a huge or unreadable file: never a missing one
            return b"", f"cannot be read ({str(exc).split(': ', 1)[-1]})"

    def forget(self, path: Path) -> None:
        self.files.pop(path, None)

    def parse_whole(self, path: Path) -> None:
        """From now on, parse `path` whole (its slice could not be restored)."""
        if path in self.whole or path not in self.files:  # pragma: no cover - a whole file restores as is
            raise RuntimeError(f"{path} cannot be restored whole")
        self.whole.add(path)
        self.forget(path)


def _display(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()

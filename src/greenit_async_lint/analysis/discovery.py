"""Find the Python files of a project and give each its module name.

A module's name comes from the packages it sits in: walk up while the folder has an
`__init__.py`; the first folder without one is the import root (flat and `src/` layouts alike).
"""
from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", ".eggs", "node_modules", "__pycache__",
    "site-packages", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".greenit-cache", "build", "dist",
    "*.egg-info",
)
ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", "tox.ini", ".flake8", ".git", ".hg")


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute
    display: str  # relative to the current directory when below it, posix separators
    module: str
    is_package: bool
    root: Path  # the import root the module name is relative to


def display_path(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


def find_project_root(start: Path) -> Path:
    """The nearest folder at or above `start` with a project marker; `start` itself when none."""
    start = start if start.is_dir() else start.parent
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    return start


def module_name(path: Path) -> tuple[str, bool, Path]:
    is_package = path.name == "__init__.py"
    parts: list[str] = [] if is_package else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").exists() and folder.parent != folder:
        parts.insert(0, folder.name)
        folder = folder.parent
    if not parts:  # an __init__.py directly in an import root
        parts = [path.parent.name]
        folder = path.parent.parent
    return ".".join(parts), is_package, folder


class Excluder:
    """Exclusion globs. Bare names (`build`, `*.egg-info`) match any folder or file name below the
    folder being walked, so that checking a folder inside site-packages still works; patterns with
    a `/` match the path relative to the current directory."""

    def __init__(self, patterns: Iterable[str], base: Path) -> None:
        self.patterns = tuple(p.rstrip("/") for p in patterns)
        self.base = base
        bare = [p for p in self.patterns if "/" not in p]
        self.names = frozenset(p for p in bare if not any(c in p for c in "*?["))
        globs = [fnmatch.translate(p) for p in bare if p not in self.names]
        self.name_regex = re.compile("|".join(globs)) if globs else None
        paths = [fnmatch.translate(p) + "|" + fnmatch.translate(p + "/*") for p in self.patterns if "/" in p]
        self.path_regex = re.compile("|".join(paths)) if paths else None

    def _name_excluded(self, name: str) -> bool:
        return name in self.names or (self.name_regex is not None and self.name_regex.match(name) is not None)

    def excluded(self, path: Path, walked_from: Path | None = None) -> bool:
        if self.path_regex is not None:
            try:
                rel = path.relative_to(self.base).as_posix()
            except ValueError:
                rel = path.as_posix()
            if self.path_regex.match(rel):
                return True
        if walked_from is not None and path.parent == walked_from:
            return self._name_excluded(path.name)  # the parents were checked on the way down
        try:
            local = path.relative_to(walked_from).parts if walked_from else path.parts
        except ValueError:
            local = path.parts
        return any(self._name_excluded(part) for part in local)


def walk_python_files(folder: Path, excluder: Excluder) -> Iterator[Path]:
    """The Python files below `folder`, then every folder that could not be listed: those are
    yielded too, so that the loader reports them (GAL904) instead of silently dropping their
    handlers."""
    unreadable: list[Path] = []

    def note(error: OSError) -> None:
        if error.filename:
            unreadable.append(Path(error.filename))

    for dirpath, dirnames, filenames in os.walk(folder, onerror=note, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not excluder.excluded(here / d, here))
        for name in sorted(filenames):
            # Stubs (.pyi) have no bodies to follow; given explicitly, they are still read.
            if name.endswith(".py"):
                candidate = here / name
                if not excluder.excluded(candidate, here):
                    yield candidate
    yield from sorted(unreadable)


def collect(paths: Iterable[Path], excluder: Excluder, cwd: Path) -> list[SourceFile]:
    """Every Python file under `paths` (files are taken as given, unless excluded)."""
    seen: dict[Path, SourceFile] = {}
    for given in paths:
        absolute = given if given.is_absolute() else (cwd / given)
        absolute = Path(os.path.normpath(absolute))
        if absolute.is_dir():
            files: Iterable[Path] = walk_python_files(absolute, excluder)
        elif excluder.excluded(absolute, absolute.parent):
            files = ()
        else:
            files = (absolute,)
        for file in files:
            if file in seen:
                continue
            name, is_package, root = module_name(file)
            seen[file] = SourceFile(file, display_path(file, cwd), name, is_package, root)
    return list(seen.values())

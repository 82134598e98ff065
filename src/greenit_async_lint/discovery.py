"""Find the Python files of a project and give each its module name.

A module's name comes from the packages it sits in: walk up while the folder has an
`__init__.py`; the first folder without one is the import root (flat and `src/` layouts alike).
"""
from __future__ import annotations

import fnmatch
import os
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
    """Exclusion globs, matched against each path component and the relative path."""

    def __init__(self, patterns: Iterable[str], base: Path) -> None:
        self.patterns = tuple(patterns)
        self.base = base

    def excluded(self, path: Path) -> bool:
        try:
            rel = path.relative_to(self.base).as_posix()
        except ValueError:
            rel = path.as_posix()
        for pattern in self.patterns:
            pattern = pattern.rstrip("/")
            if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(rel, pattern + "/*"):
                return True
            if "/" not in pattern and any(fnmatch.fnmatch(part, pattern) for part in rel.split("/")):
                return True
        return False


def walk_python_files(folder: Path, excluder: Excluder) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not excluder.excluded(here / d))
        for name in sorted(filenames):
            # Stubs (.pyi) have no bodies to follow; given explicitly, they are still read.
            if name.endswith(".py"):
                candidate = here / name
                if not excluder.excluded(candidate):
                    yield candidate


def collect(paths: Iterable[Path], excluder: Excluder, cwd: Path) -> list[SourceFile]:
    """Every Python file under `paths` (files are taken as given, unless excluded)."""
    seen: dict[Path, SourceFile] = {}
    for given in paths:
        absolute = given if given.is_absolute() else (cwd / given)
        absolute = Path(os.path.normpath(absolute))
        if absolute.is_dir():
            files: Iterable[Path] = walk_python_files(absolute, excluder)
        elif excluder.excluded(absolute):
            files = ()
        else:
            files = (absolute,)
        for file in files:
            if file in seen:
                continue
            name, is_package, root = module_name(file)
            seen[file] = SourceFile(file, display_path(file, cwd), name, is_package, root)
    return list(seen.values())

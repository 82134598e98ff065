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
from typing import Any, Iterable, Iterator

from .readfile import maybe_text

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", ".eggs", "node_modules", "__pycache__",
    "site-packages", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".greenit-cache", "build", "dist",
    "*.egg-info",
)
ROOT_MARKERS = (".greenit-async-lint.toml", "pyproject.toml", "setup.cfg", "setup.py", "tox.ini", ".flake8", ".git", ".hg")


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


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (RuntimeError, OSError):
        return None


def find_project_root(start: Path) -> Path:
    """The nearest folder at or above `start` with a project marker (a configuration file, a VCS
    folder); failing that, the import root of `start`'s packages (the package boundary). The walk
    up stops below the user's home folder: a `.git` or `setup.cfg` in $HOME is not a project, and
    taking it for one once made a single-file run crawl the whole home folder."""
    return project_root(start)[0]


def project_root(start: Path) -> tuple[Path, bool]:
    """(root, whether a marker was found): without one, calls are followed only inside the
    packages around `start`, which the front ends say."""
    start = start if start.is_dir() else start.parent
    home = _home()
    for folder in (start, *start.parents):
        if home is not None and (folder == home or folder in home.parents):
            break
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder, True
    boundary = start
    while (boundary / "__init__.py").exists() and boundary.parent != boundary:
        boundary = boundary.parent
    return boundary, False


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
    a `/` match the path relative to the current directory, or the absolute path when they are
    absolute (the configuration anchors its patterns at its own folder, see config._anchor).
    With `gitignore`, what the project's .gitignore files ignore is skipped while walking."""

    def __init__(self, patterns: Iterable[str], base: Path, gitignore: bool = True) -> None:
        self.patterns = tuple(p.rstrip("/") for p in patterns)
        self.base = base
        self.gitignores = GitIgnores() if gitignore else None
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
            if self.path_regex.match(rel) or self.path_regex.match(path.as_posix()):
                return True
        if walked_from is not None and path.parent == walked_from:
            return self._name_excluded(path.name)  # the parents were checked on the way down
        try:
            local = path.relative_to(walked_from).parts if walked_from else path.parts
        except ValueError:
            local = path.parts
        return any(self._name_excluded(part) for part in local)


class GitIgnores:
    """The .gitignore files that apply to a path: its folder's and every parent's up to the
    repository root (the folder holding `.git`), the deeper file winning, as git reads them."""

    def __init__(self, top: Path | None = None) -> None:
        self.by_folder: dict[Path, list[tuple[Path, Any]]] = {}
        self.top = top  # read no .gitignore above this folder

    def specs(self, folder: Path) -> list[tuple[Path, Any]]:
        found = self.by_folder.get(folder)
        if found is None:
            top = folder == self.top or (folder / ".git").exists() or folder.parent == folder
            found = [] if top else list(self.specs(folder.parent))
            text = maybe_text(folder / ".gitignore")
            if text and text.strip():
                import pathspec

                spec = pathspec.GitIgnoreSpec.from_lines(text.splitlines())
                found.append((folder, (spec, _any_pattern(spec))))
            self.by_folder[folder] = found
        return found

    def ignored(self, path: Path, is_dir: bool) -> bool:
        ignored = False
        for base, (spec, anything) in self.specs(path.parent):
            rel = path.relative_to(base).as_posix() + ("/" if is_dir else "")
            if anything is not None and not anything.match(rel):
                continue  # no pattern of this file matches: the common case, one regex instead of each
            verdict = spec.check_file(rel).include
            if verdict is not None:
                ignored = verdict
        return ignored


def _any_pattern(spec: Any) -> Any:
    """One regex matching what any of the spec's patterns matches (pathspec tries them one by
    one: a 165-line .gitignore made walking six times slower); None when they cannot be joined."""
    try:
        parts = [re.sub(r"\(\?P<\w+>", "(?:", p.regex.pattern) for p in spec.patterns if p.regex is not None]
        return re.compile("|".join(f"(?:{part})" for part in parts)) if parts else re.compile(r"(?!)")
    except (AttributeError, re.error):
        return None


def walk_python_files(folder: Path, excluder: Excluder) -> Iterator[Path]:
    """The Python files below `folder`, then every folder that could not be listed: those are
    yielded too, so that the loader reports them (GAL904) instead of silently dropping their
    handlers."""
    unreadable: list[Path] = []

    def note(error: OSError) -> None:
        if error.filename:
            unreadable.append(Path(error.filename))

    ignores = excluder.gitignores
    if ignores is not None and ignores.ignored(folder, True):
        # A folder the user names although a .gitignore above it ignores it (a package inside a
        # virtualenv, whose .gitignore is `*`): checked, with only the .gitignore files inside it.
        ignores = GitIgnores(top=folder)
    for dirpath, dirnames, filenames in os.walk(folder, onerror=note, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not excluder.excluded(here / d, here)
                             and not (ignores and ignores.ignored(here / d, True)))
        for name in sorted(filenames):
            # Stubs (.pyi) have no bodies to follow; given explicitly, they are still read.
            if name.endswith(".py"):
                candidate = here / name
                if not excluder.excluded(candidate, here) and not (ignores and ignores.ignored(candidate, False)):
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

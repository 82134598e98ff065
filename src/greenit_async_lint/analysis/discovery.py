"""Find the Python files of a project and give each its module name.

A module's name comes from the packages it sits in: walk up while the folder has an
`__init__.py`; the first folder without one is the import root (flat and `src/` layouts alike).
"""
from __future__ import annotations

import fnmatch
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Hashable, Iterable, Iterator, Optional

from .gitignores import GitIgnores, below, folder_rules, ignored_here, save_new

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


def _join(folder: str, name: str) -> str:
    return folder + name if folder.endswith("/") else folder + "/" + name


class Excluder:
    """Exclusion globs. Bare names (`build`, `*.egg-info`) match any folder or file name below the
    folder being walked, so that checking a folder inside site-packages still works; patterns with
    a `/` match the path relative to the current directory, or the absolute path when they are
    absolute (the configuration anchors its patterns at its own folder, see config._anchor).
    With `gitignore`, what the project's .gitignore files ignore is skipped while walking."""

    def __init__(self, patterns: Iterable[str], base: Path, gitignore: bool = True) -> None:
        self.patterns = tuple(p.rstrip("/") for p in patterns)
        self.base = base
        self._base = str(base)
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

    def walk_key(self) -> Hashable:
        """What a walk's result depends on besides the folder: two excluders with the same key
        skip the same names (the base matters only to patterns with a `/`)."""
        return (self.patterns, self._base if self.path_regex is not None else None, self.gitignores is not None)

    def excluded_entry(self, folder: str, name: str) -> bool:
        """`excluded(Path(folder) / name, Path(folder))` for a name met while walking `folder`."""
        if self.path_regex is not None:
            full = _join(folder, name)
            if self.path_regex.match(below(full, self._base) or full) or self.path_regex.match(full):
                return True
        return self._name_excluded(name)


@dataclass
class Listing:
    """One folder as the walk listed it: the Python files to check (sorted, none excluded or
    ignored), whether it is a package and whether it holds .git and .gitignore."""
    folder: str
    files: list[str]
    has_init: bool = False
    has_git: bool = False
    has_gitignore: bool = False
    _paths: Optional[list[Path]] = None

    def paths(self) -> list[Path]:
        """The files as Paths, made once: a listing read back (shared_walks) hands out the same
        objects, which the next walk neither builds nor hashes again."""
        if self._paths is None:
            self._paths = [Path(_join(self.folder, name)) for name in self.files]
        return self._paths


def _exists(entry: os.DirEntry[str]) -> bool:
    """Path.exists() of a listed name: only a symbolic link can point nowhere."""
    return not entry.is_symlink() or os.path.exists(entry.path)


# The walks of the current run, by folder and excluder (see shared_walks); None outside a run.
_SHARED: Optional[dict[tuple[str, Hashable], tuple[list[Listing], list[Path]]]] = None


@contextmanager
def shared_walks() -> Iterator[None]:
    """Within this block, a folder walked again with an excluder skipping the same names is not
    listed again: a check walks the project for its files, and the fix layer walks it once more for
    the task queues it uses (fix/queues.py), which was a tenth of a warm run. Only for one run: the
    next one must see the files as they are then."""
    global _SHARED
    outer = _SHARED
    _SHARED = {} if outer is None else outer
    try:
        yield
    finally:
        _SHARED = outer


def _walk(folder: Path, excluder: Excluder, unreadable: list[Path]) -> Iterator[Listing]:
    """_listings, read back when this run walked the same folder the same way already."""
    shared = _SHARED
    if shared is None:
        yield from _listings(folder, excluder, unreadable)
        return
    key = (str(folder), excluder.walk_key())
    if key not in shared:
        failed: list[Path] = []
        shared[key] = (list(_listings(folder, excluder, failed)), failed)
    listings, failed = shared[key]
    unreadable.extend(failed)
    yield from listings


def _listings(folder: Path, excluder: Excluder, unreadable: list[Path]) -> Iterator[Listing]:
    """The folders below `folder`, top-down in os.walk's order (a folder's files, then each
    sub-folder in name order), without following links to folders. os.scandir's listing says
    what each name is, so a name costs no system call and no Path; a folder that cannot be
    listed goes to `unreadable`, as os.walk's onerror would."""
    ignores = excluder.gitignores
    if ignores is not None and ignores.ignored(folder, True):
        # A folder the user names although a .gitignore above it ignores it (a package inside a
        # virtualenv, whose .gitignore is `*`): checked, with only the .gitignore files inside it.
        ignores = GitIgnores(top=folder)
    stack = [str(folder)]
    while stack:
        here = stack.pop()
        try:
            with os.scandir(here) as listing:
                entries = list(listing)
        except OSError as error:
            if error.filename:
                unreadable.append(Path(error.filename))
            continue
        found = Listing(here, [])
        folders, names = [], []
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                folders.append(entry)
            elif name.endswith(".py"):  # stubs (.pyi) have no bodies to follow; given explicitly, they are read
                names.append(name)
            if name == "__init__.py":
                found.has_init = _exists(entry)
            elif name == ".git":
                found.has_git = _exists(entry)
            elif name == ".gitignore":
                found.has_gitignore = True
        rules = folder_rules(ignores.specs(Path(here), found), here) if ignores is not None else None
        found.files = [n for n in sorted(names) if not excluder.excluded_entry(here, n)
                       and not (rules and ignored_here(rules, n, False))]
        yield found
        below = [e for e in folders if not excluder.excluded_entry(here, e.name)
                 and not (rules and ignored_here(rules, e.name, True))]
        below.sort(key=lambda e: e.name, reverse=True)
        stack.extend(e.path for e in below if not e.is_symlink())
    save_new()  # the .gitignore verdicts pathspec gave, for the next run's walk


def walk_python_files(folder: Path, excluder: Excluder) -> Iterator[Path]:
    """The Python files below `folder`, then every folder that could not be listed: those are
    yielded too, so that the loader reports them (GAL904) instead of silently dropping their
    handlers."""
    unreadable: list[Path] = []
    for listing in _walk(folder, excluder, unreadable):
        yield from listing.paths()
    yield from sorted(unreadable)


def _walked_files(folder: Path, excluder: Excluder, cwd: str) -> Iterator[SourceFile]:
    """walk_python_files as SourceFiles: a folder's package name is its parent's plus its own
    name (module_name's walk up, done once per folder instead of once per file)."""
    unreadable: list[Path] = []
    packages: dict[str, tuple[list[str], Path]] = {}
    for listing in _walk(folder, excluder, unreadable):
        here = listing.folder
        parent = here.rpartition("/")[0] or "/"
        if here == str(folder) or parent not in packages:
            _name, _package, root = module_name(Path(_join(here, "x.py")))
            parts = _name.split(".")[:-1]
        elif listing.has_init:
            parts, root = [*packages[parent][0], here.rpartition("/")[2]], packages[parent][1]
        else:
            parts, root = [], Path(here)
        packages[here] = (parts, root)
        for name, path in zip(listing.files, listing.paths()):
            full = _join(here, name)
            is_package = name == "__init__.py"
            module = parts if is_package else [*parts, name[:-3] if name != ".py" else name]
            where = root
            if not module:  # an __init__.py directly in an import root
                module, where = [here.rpartition("/")[2]], root.parent
            yield SourceFile(path, below(full, cwd) or full, ".".join(module), is_package, where)
    for path in sorted(unreadable):
        name, is_package, root = module_name(path)
        yield SourceFile(path, display_path(path, Path(cwd)), name, is_package, root)


def collect(paths: Iterable[Path], excluder: Excluder, cwd: Path) -> list[SourceFile]:
    """Every Python file under `paths` (files are taken as given, unless excluded)."""
    seen: dict[str, SourceFile] = {}  # by path, as a string: cheaper to hash than a Path
    for given in paths:
        absolute = given if given.is_absolute() else (cwd / given)
        absolute = Path(os.path.normpath(absolute))
        if absolute.is_dir():
            for source in _walked_files(absolute, excluder, str(cwd)):
                seen.setdefault(str(source.path), source)
        elif not excluder.excluded(absolute, absolute.parent) and str(absolute) not in seen:
            name, is_package, root = module_name(absolute)
            seen[str(absolute)] = SourceFile(absolute, display_path(absolute, cwd), name, is_package, root)
    return list(seen.values())

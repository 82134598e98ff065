"""Which task queue a project uses: from its imports and from its dependency files.

Imports are read with a line regex (no parse: this runs on every `check`), dependency files with
their own formats: `pyproject.toml` (PEP 621 and Poetry), `requirements*.txt` (also under a
`requirements/` folder), `setup.cfg` and `Pipfile`. What a queue is called in each is catalogue
data (`queues[].modules`, `queues[].packages` in remedies.yaml).
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from ..analysis.readfile import Unreadable, maybe_text, read_text
from ..analysis.discovery import DEFAULT_EXCLUDE, Excluder, find_project_root, walk_python_files
from .rules import QueueInfo, RemedyCatalogue

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only
    import tomli as tomllib

_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b|import[ \t]+([^#\n;]+))", re.M)
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
MAX_FILES = 5000  # a huge tree is sampled, not read whole: detection only needs a few imports


def normalise(package: str) -> str:
    """PEP 503 normalisation: `Django_RQ` and `django-rq` are the same package."""
    return re.sub(r"[-_.]+", "-", package).lower()


@dataclass
class Stack:
    """What the project uses: queues by evidence, best first; the files that showed them."""

    queues: list[QueueInfo] = field(default_factory=list)
    evidence: dict[str, list[str]] = field(default_factory=dict)
    # Each folder's top-level package, as found on disk (_home): one `exists` per folder level
    # for every finding and every piece of evidence was a tenth of a warm run's time on indico.
    _homes: dict[Path, Path] = field(default_factory=dict, compare=False, repr=False)

    @property
    def primary(self) -> Optional[QueueInfo]:
        return self.queues[0] if self.queues else None

    def primary_for(self, path: Optional[Path]) -> Optional[QueueInfo]:
        """The queue for code in `path`: one imported in the same top-level package first (a folder
        holding several apps may use a different queue in each), else the project's primary."""
        if path is None or not self.queues:
            return self.primary
        home = self._home(path)
        for queue in self.queues:
            if any(self._home(Path(e)) == home for e in self.evidence.get(queue.name, ()) if e.endswith(".py")):
                return queue
        return self.primary

    def _home(self, path: Path) -> Path:
        found = self._homes.get(path.parent)
        if found is None:
            found = self._homes[path.parent] = _home(path.parent)
        return found


def _home(folder: Path) -> Path:
    """The top-level package folder a module in `folder` belongs to (`folder` itself outside
    packages)."""
    top = folder
    while (folder / "__init__.py").exists() and folder.parent != folder:
        top = folder
        folder = folder.parent
    return top


def imported_modules(text: str) -> Iterable[str]:
    """The modules `import` and `from ... import` lines name (relative ones left out). Every such
    line holds the word `import`: the pattern is tried only at the start of those lines, found by
    `str.find`, not at every character of the file as `finditer` tries it (four times as fast,
    with the same answers on the primer's 7,500 files; the detection reads up to 5,000 files)."""
    find, match = text.find, _IMPORT.match
    pos = 0
    while True:
        at = find("import", pos)
        if at < 0:
            return
        start = text.rfind("\n", 0, at) + 1  # `^`: where the line starts
        end = find("\n", at)
        pos = len(text) if end < 0 else end + 1  # a line matches once, at its start
        found = match(text, start)
        if found is None:
            continue
        if found.group(1):
            if not found.group(1).startswith("."):
                yield found.group(1)
            continue
        for part in found.group(2).split(","):
            name = part.strip().split(" ")[0].strip("()\\ ")
            if name:
                yield name


def _requirement_names(lines: Iterable[str]) -> set[str]:
    names = set()
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = _REQUIREMENT.match(line)
        if match:
            names.add(normalise(match.group(1)))
    return names


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(read_text(path))
    except (Unreadable, tomllib.TOMLDecodeError):
        return {}


def dependency_names(folder: Path) -> dict[str, str]:
    """Normalised package name -> the dependency file (name) that declares it, in one folder."""
    found: dict[str, str] = {}

    def add(names: Iterable[str], source: str) -> None:
        for name in names:
            found.setdefault(name, source)

    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        data = _toml(pyproject)
        project = data.get("project") or {}
        add(_requirement_names(project.get("dependencies") or []), pyproject.name)
        for extra in (project.get("optional-dependencies") or {}).values():
            add(_requirement_names(extra or []), pyproject.name)
        poetry = (data.get("tool") or {}).get("poetry") or {}
        add((normalise(n) for n in (poetry.get("dependencies") or {})), pyproject.name)
        for group in (poetry.get("group") or {}).values():
            add((normalise(n) for n in ((group or {}).get("dependencies") or {})), pyproject.name)
    requirement_files = sorted(folder.glob("requirements*.txt")) + sorted(folder.glob("requirements/*.txt"))
    for path in requirement_files:
        try:
            add(_requirement_names(read_text(path).splitlines()), path.relative_to(folder).as_posix())
        except Unreadable:
            continue
    setup_cfg = folder / "setup.cfg"
    if setup_cfg.is_file():
        import configparser  # (1 ms of imports, for a project that has a setup.cfg)

        parser = configparser.ConfigParser()
        try:
            parser.read(setup_cfg, encoding="utf-8")
            add(_requirement_names(parser.get("options", "install_requires", fallback="").splitlines()), "setup.cfg")
        except (configparser.Error, UnicodeDecodeError):
            pass
    pipfile = folder / "Pipfile"
    if pipfile.is_file():
        data = _toml(pipfile)
        for section in ("packages", "dev-packages"):
            add((normalise(n) for n in (data.get(section) or {})), "Pipfile")
    return found


def _folders(paths: list[Path]) -> list[Path]:
    """The analysed folders and their parents up to each one's project root."""
    out: list[Path] = []
    for path in paths:
        start = path if path.is_dir() else path.parent
        root = find_project_root(start)
        for folder in (start, *start.parents):
            if folder not in out:
                out.append(folder)
            if folder == root:
                break
    return out


def scanned_files(paths: list[Path]) -> list[Path]:
    """The Python files `detect` reads for imports (a sample of at most MAX_FILES), and the
    dependency files it reads: what its answer depends on (see cache.py)."""
    excluder = Excluder(DEFAULT_EXCLUDE, paths[0] if paths else Path.cwd())
    scan_roots = [p if p.is_dir() else find_project_root(p) for p in paths]
    seen: dict[Path, None] = {}
    for root in scan_roots:
        for file in walk_python_files(root, excluder) if root.is_dir() else ():
            if file not in seen and len(seen) < MAX_FILES:
                seen[file] = None
    return list(seen)


def dependency_files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for folder in _folders(paths):
        out.extend(folder / name for name in ("pyproject.toml", "setup.cfg", "Pipfile"))
        out.extend(sorted(folder.glob("requirements*.txt")) + sorted(folder.glob("requirements/*.txt")))
    return out


def detect(paths: list[Path], catalogue: RemedyCatalogue, files: Optional[list[Path]] = None) -> Stack:
    """The task queues `paths` use (folders or files, absolute), best evidence first."""
    importers: Counter[str] = Counter()
    evidence: dict[str, list[str]] = {}
    # A module matches a queue's prefix `p` when it is `p` or inside it: look each module's dotted
    # prefixes up once, instead of trying every prefix of every queue on every module.
    owners: dict[str, set[str]] = {}
    for queue in catalogue.queues:
        for prefix in queue.modules:
            owners.setdefault(prefix, set()).add(queue.name)
    for file in scanned_files(paths) if files is None else files:
        if file.is_file():
            text = maybe_text(file)
            if text is None:
                continue
            used: set[str] = set()
            for module in set(imported_modules(text)):
                parts = module.split(".")
                for end in range(1, len(parts) + 1):
                    used.update(owners.get(".".join(parts[:end]), ()))
            for queue in catalogue.queues:
                if queue.name in used:
                    importers[queue.name] += 1
                    evidence.setdefault(queue.name, []).append(file.as_posix())
    declared: set[str] = set()
    for folder in _folders(paths):
        for package, source in dependency_names(folder).items():
            for queue in catalogue.queues:
                if package in {normalise(p) for p in queue.packages}:
                    declared.add(queue.name)
                    evidence.setdefault(queue.name, []).append((folder / source).as_posix())
    order = {q.name: i for i, q in enumerate(catalogue.queues)}
    found = [q for q in catalogue.queues if q.name in importers or q.name in declared]
    found.sort(key=lambda q: (-importers[q.name], q.name not in declared, order[q.name]))
    return Stack(found, evidence)

"""Where things are in a project, for codemods that touch more than one module: the tasks module,
import paths between modules, and an existing queue object (an `rq.Queue`, a Huey instance).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

import libcst as cst

from ..analysis.readfile import maybe_text
from ..analysis.discovery import DEFAULT_EXCLUDE, Excluder, walk_python_files
from .changes import ImportChange
from .bindings import package_parts
from .source import SourceFile
from .sources import Sources

MAX_SCAN = 2000


def import_path(source: SourceFile, target: str, relative: bool = True) -> tuple[str, int]:
    """(module, level) for importing the absolute module `target` from `source`: relative when
    both are in the same top-level package and `relative` is asked for, absolute otherwise."""
    package = package_parts(source)
    parts = target.split(".")
    common = 0
    while common < min(len(package), len(parts) - 1) and package[common] == parts[common]:
        common += 1
    if not relative or common == 0:
        return target, 0
    return ".".join(parts[common:]), len(package) - common + 1


def import_change(source: SourceFile, target: str, obj: Optional[str], asname: Optional[str] = None,
                  relative: bool = True) -> ImportChange:
    module, level = import_path(source, target, relative)
    return ImportChange(module, obj, asname, level)


def home_folder(source: SourceFile) -> Path:
    """The handler's top-level package folder, or its own folder outside packages."""
    parts = source.name.split(".")
    if len(parts) > 1 and (source.import_root / parts[0] / "__init__.py").exists():
        return source.import_root / parts[0]
    return source.path.parent


def tasks_module(handler: SourceFile) -> Path:
    """The nearest `tasks.py` (or `tasks/` package) from the handler's folder up to its import
    root; else where to create one: the handler's top-level package, or its folder."""
    folder = handler.path.parent
    for candidate in (folder, *folder.parents):
        if (candidate / "tasks.py").is_file():
            return candidate / "tasks.py"
        if (candidate / "tasks" / "__init__.py").is_file():
            return candidate / "tasks" / "__init__.py"
        if candidate == handler.import_root:
            break
    return home_folder(handler) / "tasks.py"


@dataclass(frozen=True)
class Instance:
    """The project's queue object (an `rq.Queue`, a Huey instance): where it is and its name."""

    source: SourceFile
    name: str


def find_instance(sources: Sources, root: Path, calls: Iterable[str]) -> Optional[tuple[SourceFile, str]]:
    """A module-level `name = <one of calls>(...)` in the project under `root`, if there is one."""
    calls = tuple(calls)
    tails = {c.rsplit(".", 1)[-1] for c in calls}
    pattern = re.compile(r"^\w+\s*(?::[^=]+)?=\s*[\w.]*\b(?:%s)\(" % "|".join(map(re.escape, sorted(tails))), re.M)
    excluder = Excluder(DEFAULT_EXCLUDE, root)
    for count, path in enumerate(walk_python_files(root, excluder)):
        if count >= MAX_SCAN:
            break
        text = maybe_text(path)
        if text is None:
            continue
        if not pattern.search(text):
            continue
        source = sources.get(path)
        if source.module is None:
            continue
        for statement in source.module.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1 and \
                        isinstance(small.targets[0].target, cst.Name) and isinstance(small.value, cst.Call) and \
                        source.qualified_names(small.value.func) & set(calls):
                    return source, small.targets[0].target.value
    return None

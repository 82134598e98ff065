"""The project's .gitignore files, read as git reads them, for the walk in discovery.py."""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .readfile import maybe_text

if TYPE_CHECKING:
    from .discovery import Listing


def below(path: str, base: str) -> str | None:
    """`path` relative to `base` as Path.relative_to would give it (both absolute or both relative,
    normalised), or None when it is not below; strings, since the walk meets thousands of names."""
    if path == base:
        return "."
    if base == "/":
        return path[1:] if path.startswith("/") else None
    return path[len(base) + 1:] if path.startswith(base) and path[len(base):len(base) + 1] == "/" else None


class GitIgnores:
    """The .gitignore files that apply to a path: its folder's and every parent's up to the
    repository root (the folder holding `.git`), the deeper file winning, as git reads them."""

    def __init__(self, top: Path | None = None) -> None:
        self.by_folder: dict[Path, list[tuple[Path, Any]]] = {}
        self.top = top  # read no .gitignore above this folder

    def specs(self, folder: Path, listed: Listing | None = None) -> list[tuple[Path, Any]]:
        """`listed`: what the walk saw in `folder` (whether it holds .git and .gitignore), which
        saves asking the file system again."""
        found = self.by_folder.get(folder)
        if found is None:
            has_git = (folder / ".git").exists() if listed is None else listed.has_git
            top = folder == self.top or has_git or folder.parent == folder
            found = [] if top else list(self.specs(folder.parent))
            text = maybe_text(folder / ".gitignore") if listed is None or listed.has_gitignore else None
            if text and text.strip():
                import pathspec

                spec = pathspec.GitIgnoreSpec.from_lines(text.splitlines())
                found.append((folder, (spec, _any_pattern(spec))))
            self.by_folder[folder] = found
        return found

    def ignored(self, path: Path, is_dir: bool) -> bool:
        return ignored_here(folder_rules(self.specs(path.parent), str(path.parent)), path.name, is_dir)


def _any_pattern(spec: Any) -> Any:
    """One regex matching what any of the spec's patterns matches (pathspec tries them one by
    one: a 165-line .gitignore made walking six times slower); None when they cannot be joined."""
    try:
        parts = [re.sub(r"\(\?P<\w+>", "(?:", p.regex.pattern) for p in spec.patterns if p.regex is not None]
        return re.compile("|".join(f"(?:{part})" for part in parts)) if parts else re.compile(r"(?!)")
    except (AttributeError, re.error):
        return None


def folder_rules(specs: list[tuple[Path, Any]], here: str) -> list[tuple[str, Any, Any]]:
    """Each applicable .gitignore with the prefix of a name of `here` relative to its folder."""
    out = []
    for base, (spec, anything) in specs:
        rel = below(here, str(base))
        out.append(("" if rel in (None, ".") else rel + "/", spec, anything))
    return out


def ignored_here(rules: list[tuple[str, Any, Any]], name: str, is_dir: bool) -> bool:
    """Whether `name` in the folder of `rules` (folder_rules) is ignored: the last .gitignore with a
    verdict on it wins."""
    ignored = False
    for prefix, spec, anything in rules:
        rel = prefix + name + ("/" if is_dir else "")
        if anything is not None and not anything.match(rel):
            continue  # no pattern of this file matches: the common case, one regex instead of each
        verdict = spec.check_file(rel).include
        if verdict is not None:
            ignored = verdict
    return ignored



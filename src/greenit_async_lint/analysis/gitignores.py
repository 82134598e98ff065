"""The project's .gitignore files, read as git reads them, for the walk in discovery.py.

pathspec decides what a .gitignore ignores. Most names a walk meets match none of a file's
patterns, which one regex joining them all says (_any_pattern). That regex, and pathspec's verdict
on each name that matched it, are kept in the user's cache folder by the file's text and
pathspec's installed version, so that a walk over names seen before neither imports pathspec nor
compiles each pattern: a warm run's walk costs what the joined regexes cost.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

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
                spec = _Spec(text)
                found.append((folder, (spec, spec.anything)))
            self.by_folder[folder] = found
        return found

    def ignored(self, path: Path, is_dir: bool) -> bool:
        return ignored_here(folder_rules(self.specs(path.parent), str(path.parent)), path.name, is_dir)


class _Spec:
    """One .gitignore: the regex joining its patterns, and pathspec's verdict on each name that
    matched it, both kept in the store by the file's text; pathspec is imported for a name only
    when its verdict is not known yet."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._spec: Any = None
        if not _read:
            _read["stamp"] = _pathspec_stamp()
        self.key = hashlib.sha256(f"{_read['stamp']}\0{text}".encode()).hexdigest()
        stored = _read_entry(self.key)
        if stored is None:
            stored = [_any_pattern(self.spec()), {}, None]
            _DIRTY.append(self)
        self.entry: list[Any] = stored
        pattern, verdicts, kept = stored
        self.verdicts: dict[str, Optional[bool]] = verdicts
        self.anything = _compiled(pattern, kept) if pattern is not None else None
        if pattern is not None and self.anything is None:
            self.anything, stored[2] = _compile(pattern)
            if stored[2] is not None and self not in _DIRTY:
                _DIRTY.append(self)

    def spec(self) -> Any:
        if self._spec is None:
            import pathspec

            self._spec = pathspec.GitIgnoreSpec.from_lines(self.text.splitlines())
        return self._spec

    def verdict(self, rel: str) -> Optional[bool]:
        """pathspec's `check_file(rel).include`: True ignored, False re-included, None no pattern."""
        if rel not in self.verdicts:
            if len(self.verdicts) >= _VERDICTS_MAX:
                self.verdicts.clear()  # names of a tree long gone
            self.verdicts[rel] = self.spec().check_file(rel).include
            if self not in _DIRTY:
                _DIRTY.append(self)
        verdict: Optional[bool] = self.verdicts[rel]
        return verdict


_NEVER = "(?!)"
# 3: one file per .gitignore text, read alone. One file for every text this user's projects ever had
# (up to _STORE_MAX, each with its verdicts) was read whole by every run: 138 KB, 10 ms of its start.
_STORE = "gitignore-regexes-4"  # 4: with the joined regex's compiled code (_compile)
_STORE_HEADER = b"greenit-async-lint gitignore regexes 4"
_STORE_MAX = 256  # .gitignore texts kept; past that the oldest go (a miss costs one pathspec import)
_VERDICTS_MAX = 20_000
_read: dict[str, Any] = {}  # pathspec's stamp, once a process
_DIRTY: list[_Spec] = []  # .gitignore files with something new to store (save_new)


def _pathspec_stamp() -> str:
    """Where pathspec is installed, with its package file's size and time: another version is another key."""
    found = find_spec("pathspec")
    where = found.origin if found is not None and found.origin else ""
    try:
        info = os.stat(where)
        return f"{where}:{info.st_size}:{info.st_mtime_ns}"
    except OSError:
        return where


def save_new() -> None:
    """Store what this process learnt about its .gitignore files (discovery calls it after a walk)."""
    if not _DIRTY:
        return
    folder = _store_folder()
    dirty = list(_DIRTY)
    _DIRTY.clear()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for spec in dirty:
            _write_entry(folder, spec.key, spec.entry)
        _prune(folder)
    except OSError:  # a read-only or full disk: pathspec is imported on every run, nothing else
        pass


def _store_folder() -> Optional[Path]:
    from ..catalogue.parsed import user_cache_folder

    folder = user_cache_folder()
    return None if folder is None else folder / _STORE


def _read_entry(key: str) -> Optional[list[Any]]:
    """The entry stored for `key` (`header / sha256 of body / body`); absent or damaged: None."""
    folder = _store_folder()
    try:
        if folder is None:
            return None
        fd = os.open(folder / key, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO planted there must not block
        with os.fdopen(fd, "rb") as handle:
            header, check, body = handle.read(50_000_000).split(b"\n", 2)
        if header != _STORE_HEADER or hashlib.sha256(body).hexdigest().encode() != check:
            return None
        found = json.loads(body)
    except (OSError, ValueError, RecursionError):
        return None
    return found if _entry(found) else None


def _entry(value: Any) -> bool:
    """[joined regex or None, {name: verdict}, its compiled code or None (_compile)]"""
    return (isinstance(value, list) and len(value) == 3 and (value[0] is None or isinstance(value[0], str))
            and isinstance(value[1], dict) and all(v is None or isinstance(v, bool) for v in value[1].values()))


def _compile(pattern: str) -> tuple[re.Pattern[str], Optional[list[Any]]]:
    """re.compile(pattern), and the code sre's compiler made of it, which _compiled makes the
    pattern from again without compiling it: that compiler is Python code, and a 165-line
    .gitignore's joined regex (3,000 characters) took it 3 ms of every walk (mealie's, before its
    workers start). No code where this Python's compiler is not the one known (None: re.compile)."""
    try:
        from re import _compiler, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern, 0)
        state = parsed.state
        indexgroup: list[Optional[str]] = [None] * state.groups
        for name, index in state.groupdict.items():
            indexgroup[index] = name
        kept = [_sre_stamp(), state.flags, list(_compiler._code(parsed, 0)), state.groups - 1,
                sorted(state.groupdict.items()), indexgroup]
        made = _compiled(pattern, kept)
        if made is not None:
            return made, kept
    except Exception:  # noqa: BLE001 - another Python's internals: compiled the public way
        pass
    return re.compile(pattern), None


def _compiled(pattern: str, kept: Any) -> Optional[re.Pattern[str]]:
    """The regex made from the code _compile kept, when this Python made it (`_sre.compile`, the
    last step of re.compile, checks any code it is given before it accepts it); None otherwise."""
    try:
        import _sre

        stamp, flags, code, groups, groupindex, indexgroup = kept
        if stamp != _sre_stamp():
            return None
        made: re.Pattern[str] = _sre.compile(pattern, flags, code, groups, dict(groupindex), tuple(indexgroup))
        return made
    except Exception:  # noqa: BLE001 - none kept, another Python's, or damaged: compiled again
        return None


def _sre_stamp() -> str:
    import _sre
    import sys

    return f"{sys.version}|{_sre.MAGIC}|{_sre.CODESIZE}"


def _write_entry(folder: Path, key: str, entry: list[Any]) -> None:
    from .tmpfile import temporary_file

    body = json.dumps(entry, separators=(",", ":")).encode()
    fd, tmp = temporary_file(folder, f".{key[:16]}-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(b"\n".join([_STORE_HEADER, hashlib.sha256(body).hexdigest().encode(), body]))
    os.replace(tmp, folder / key)  # atomic: a concurrent run reads the old entry or the new one


def _prune(folder: Path) -> None:
    """Keep the _STORE_MAX entries written last; a run that stored nothing new never lists the folder."""
    entries = [entry for entry in os.scandir(folder) if not entry.name.startswith(".")]
    if len(entries) <= _STORE_MAX:
        return
    entries.sort(key=lambda entry: entry.stat().st_mtime_ns)
    for entry in entries[:len(entries) - _STORE_MAX]:
        try:
            os.unlink(entry.path)
        except OSError:
            pass


def _any_pattern(spec: Any) -> Optional[str]:
    """One regex matching what any of the spec's patterns matches (pathspec tries them one by
    one: a 165-line .gitignore made walking six times slower); None when they cannot be joined.

    Most patterns match at any depth (`*.pyc`, `.env`: pathspec's `^(?:.+/)?...`). Joined as they
    are, each of them backtracks over the whole path before it fails; here their tails are tried
    once after each `/` of the path instead, which is what `(?:.+/)?` allows: 3.5 times faster on
    mealie's .gitignore, and the walk matches every name it meets."""
    anywhere = "^(?:.+/)?"
    try:
        parts = [re.sub(r"\(\?P<\w+>", "(?:", p.regex.pattern) for p in spec.patterns if p.regex is not None]
        rooted = [f"(?:{p[1:] if p.startswith('^') else p})" for p in parts if not p.startswith(anywhere)]
        deep = [f"(?:{p[len(anywhere):]})" for p in parts if p.startswith(anywhere)]
        joined = "|".join(([f"(?:{'|'.join(rooted)})"] if rooted else [])
                          + ([f"(?:[^/]*/)*?(?:{'|'.join(deep)})"] if deep else [])) or _NEVER
        re.compile(joined)
        return joined
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
        verdict = spec.verdict(rel)
        if verdict is not None:
            ignored = verdict
    return ignored



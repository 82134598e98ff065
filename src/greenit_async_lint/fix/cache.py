"""Fix suggestions cached by file content, so that a finding whose files did not change costs no
parse on the next run (and a run where nothing changed imports no libcst).

An entry is keyed by the finding (code, place, handler, chain) and by everything else a fix
depends on: the tool and its fix code, the catalogues, the task queues the project uses, the
request timeout and whether diffs were asked for. It holds the fix and a digest of each file the
codemods read for it (a file a fix would create counts as absent); it is used only while every one
of those files still has that digest. Known limit: a queue object (`rq.Queue(...)`) added to a
module the fix did not read is not seen until another of its files changes.

Entries are JSON in a checksummed file (analysis/safestore.py): nothing read from the checked
project can run code, and any bad entry is a miss.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional

from .. import __version__
from ..analysis.discovery import find_project_root
from ..analysis.readfile import Unreadable, read_bytes
from ..analysis.safestore import EntryFile

if TYPE_CHECKING:
    from ..analysis.findings import Finding
    from .queues import Stack
    from .rules import RemedyCatalogue

FILE_NAME = "fixes-v1"
STACK_FILE = "queues-v1"
STACK_HEADER = "greenit-async-lint stack 1"
MAX_ENTRIES = 20_000  # past this, entries of findings that are gone are dropped


def _digest(parts: Iterable[Any]) -> str:
    return hashlib.blake2b(json.dumps(list(parts), default=str).encode("utf-8"), digest_size=16).hexdigest()


def code_fingerprint() -> str:
    """The fix layer's own code (its modules' sizes and modification times): a changed codemod
    invalidates the cache even without a new version number."""
    folder = Path(__file__).parent
    stats = []
    for path in sorted(folder.glob("*.py")):
        stat = path.stat()
        stats.append((path.name, stat.st_size, stat.st_mtime_ns))
    return _digest([__version__, stats])


def content_digest(data: Optional[bytes]) -> str:
    """The digest of a file's bytes ("absent": None, a file a fix would create)."""
    return "absent" if data is None else hashlib.blake2b(data, digest_size=16).hexdigest()


def file_digest(path: Path) -> str:
    """The content digest of a file a fix read ("absent" for a file it would create)."""
    if not path.exists() and not path.is_symlink():
        return "absent"
    try:
        return content_digest(read_bytes(path))
    except Unreadable:
        return "unreadable"


def finding_key(finding: "Finding") -> list[Any]:
    handler = finding.handler
    where = None if handler is None else [handler.path, handler.qualname, handler.line, handler.framework,
                                          handler.is_async, handler.function,
                                          [(r.path, r.line, r.call) for r in handler.roots]]
    return [finding.code, finding.severity, finding.path, finding.line, finding.column, finding.weight,
            finding.leaf, where, [(h.path, h.line, h.col, h.call) for h in finding.chain],
            finding.extra.get("dispatcher")]  # the project's helper the fix names (analysis/dispatchers.py)


class FixCache:
    """The fixes of one project, for one context (see the module docstring)."""

    def __init__(self, folder: Optional[Path], context: Iterable[Any], cwd: Path,
                 unread_edits: frozenset[Path] = frozenset()) -> None:
        self.context = _digest(context)
        self.cwd = cwd
        self.unread_edits = unread_edits  # edited files the analysis proved it does not read (rebase.py)
        self.file = EntryFile(folder / FILE_NAME, "greenit-async-lint fixes 1") if folder is not None else None
        self.used: set[str] = set()
        self.changed = False
        self._digests: dict[Path, str] = {}
        self._texts: dict[Path, Optional[str]] = {}  # edited files' texts (_edited_text)

    def key(self, finding: "Finding") -> str:
        return _digest([self.context, finding_key(finding)])

    def digest(self, path: Path) -> str:
        if path not in self._digests:
            self._digests[path] = file_digest(path)
        return self._digests[path]

    def get(self, finding: "Finding") -> Optional[dict[str, Any]]:
        if self.file is None:
            return None
        key = self.key(finding)
        body = self.file.body(key)
        if body is None:
            return None
        try:
            entry = json.loads(body)
            files, fix = entry["files"], entry["fix"]
            if not isinstance(files, dict) or not isinstance(fix, dict):
                return None
            edited = [path for path, digest in files.items() if self.digest(self.cwd / path) != digest]
            if edited and not all(self._kept(path, fix.get("diff")) for path in edited):
                return None
        except (ValueError, KeyError, TypeError, RecursionError):
            return None
        if edited:  # the same fix, now under the files' new contents
            self.put(finding, fix, [self.cwd / path for path in files])
        self.used.add(key)
        return fix

    def _kept(self, path: str, diff: Any) -> bool:
        """Whether the fix stands for `path` edited since (see rebase.py)."""
        from .rebase import still_applies

        absolute = self.cwd / path
        if absolute not in self.unread_edits or not (diff is None or isinstance(diff, str)):
            return False
        text = self._edited_text(absolute)
        return text is not None and still_applies(diff, _relative(absolute, self.cwd), text)

    def _edited_text(self, path: Path) -> Optional[str]:
        """An edited file's text, read once a run (each of its fixes is checked against it); None
        when it is not UTF-8, unreadable, or not the bytes digested (edited once more since: every
        fix of it is planned anew, and none is stored again under bytes it was not checked on)."""
        if path not in self._texts:
            text = None
            try:
                data = read_bytes(path)
                if content_digest(data) == self.digest(path):
                    text = data.decode("utf-8")
            except (Unreadable, UnicodeDecodeError):
                pass
            self._texts[path] = text
        return self._texts[path]

    def know(self, digests: Mapping[Path, str]) -> None:
        """The digests of the bytes the fixes were made from, by path: an entry records those
        (a file edited meanwhile is planned again next time), without reading the files again."""
        for path, digest in digests.items():
            self._digests.setdefault(path, digest)

    def put(self, finding: "Finding", fix: dict[str, Any], files: Iterable[Path]) -> None:
        if self.file is None:
            return
        key = self.key(finding)
        read = {_relative(path, self.cwd): self.digest(path) for path in files}
        self.file.put(key, json.dumps({"files": read, "fix": fix}, ensure_ascii=False, separators=(",", ":"))
                      .encode("utf-8"))
        self.used.add(key)
        self.changed = True

    def save(self) -> None:
        if self.file is None or not self.changed:
            return
        if len(self.file.raw) > MAX_ENTRIES:
            self.file.drop([k for k in list(self.file.raw) if k not in self.used])
        self.file.save()


@dataclass
class FoundStack:
    """The project's task queues for `paths` (queues.detect), and the cache entry to write when
    they were not read back from it: found in one thread (fix/preload.py), kept in another."""

    stack: "Stack"
    paths: list[Path]
    remedies: "RemedyCatalogue"
    folder: Optional[Path]
    entry: Optional[tuple[str, bytes]] = None

    def save(self) -> None:
        if self.folder is None or self.entry is None:
            return
        store = EntryFile(self.folder / STACK_FILE, STACK_HEADER, read=False)  # one project, one stack
        store.put(*self.entry)
        store.save()
        self.entry = None


def find_stack(folder: Optional[Path], paths: list[Path], remedies: "RemedyCatalogue") -> FoundStack:
    """The project's task queues, read back from the cache while the names, sizes and
    modification times of the files detection reads are the same (a warm run does not read every
    module for its imports again); writes nothing (see FoundStack.save)."""
    from .queues import Stack, dependency_files, detect, scanned_files

    if folder is None:
        return FoundStack(detect(paths, remedies), paths, remedies, folder)
    files = scanned_files(paths)
    stats = []
    for path in [*files, *dependency_files(paths)]:
        try:
            stat = path.stat()
            stats.append((path.as_posix(), stat.st_size, stat.st_mtime_ns))
        except OSError:
            stats.append((path.as_posix(), -1, -1))
    key = _digest([code_fingerprint(), [q.name for q in remedies.queues],
                   [(q.name, q.modules, q.packages) for q in remedies.queues], stats])
    body = EntryFile(folder / STACK_FILE, STACK_HEADER).body(key)
    if body is not None:
        try:
            entry = json.loads(body)
            queues = [remedies.queue_by_name[name] for name in entry["queues"]]
            evidence = {str(k): [str(v) for v in vs] for k, vs in entry["evidence"].items()}
            return FoundStack(Stack(queues, evidence), paths, remedies, folder)
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            pass
    stack = detect(paths, remedies, files)
    body = json.dumps({"queues": [q.name for q in stack.queues], "evidence": stack.evidence}).encode()
    return FoundStack(stack, paths, remedies, folder, (key, body))


def cached_stack(folder: Optional[Path], paths: list[Path], remedies: "RemedyCatalogue") -> "Stack":
    """The project's task queues, through the cache (see find_stack)."""
    found = find_stack(folder, paths, remedies)
    found.save()
    return found.stack


def cache_folder(config: Any, paths: Iterable[str], cwd: Path) -> Optional[Path]:
    """Where a run's caches live (the project root's cache folder), or None without a cache.
    `config`: the run's settings (`cache`, `cache_dir`); `paths` as given, relative to `cwd`."""
    if not config.cache:
        return None
    absolute = [Path(p) if Path(p).is_absolute() else cwd / p for p in (list(paths) or ["."])]
    return find_project_root(absolute[0]) / config.cache_dir


def _relative(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()

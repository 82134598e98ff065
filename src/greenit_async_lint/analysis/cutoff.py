"""The result held stands when the files that changed still summarise to what they did.

An edit that changes no summary (a comment, the words of a docstring, blank lines at the end:
nothing the analysis reads, and nothing that moves a line it reports) cannot change the analysis,
which reads summaries only. So when the result cache misses, the files whose content changed since
the result held are summarised again (at most MAX_CHANGED of them: each costs its parse, and an
edit that wide seldom leaves every summary as it was) and compared with their summaries from the
summary cache; if every one is equal, the result stands, and is stored again under the new
contents. The build tools call this early cutoff. Anything else (another setting, a file added or
removed, a summary missing from the cache, one that differs) runs the whole analysis, as before.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from . import resultcache
from .discovery import SourceFile
from .filekeys import entry_key
from .loader import SummaryCache
from .readfile import Unreadable, read_bytes
from .summarize import summarize

MAX_CHANGED = 8  # files summarised again to find out; each costs its parse


def unchanged_result(folder: Path, key: Optional[resultcache.Key], files: list[SourceFile], cache: SummaryCache,
                     max_bytes: int) -> Optional[tuple[Any, frozenset[Path]]]:
    """The result held, if the files that changed since it still have its summaries, with those
    files (the fix layer may keep their diffs: fix/rebase.py); else None."""
    found = resultcache.previous(folder, key)
    if found is None or key is None:
        return None
    result, before = found
    changed = [i for i, (old, new) in enumerate(zip(before, key.files)) if old != new]
    if not changed or len(changed) > MAX_CHANGED or cache.store.needs_compacting(set(key.files), 1):
        return None  # (only the whole analysis compacts the summary cache: its shards must not pile up)
    fresh: list[tuple[str, object]] = []
    for i in changed:
        src = files[i]
        if not before[i] or not key.files[i]:
            return None  # over the size limit, then or now
        old = cache.by_content(before[i])
        if old is None:
            return None  # compacted away: nothing to compare with (and no parse spent finding out)
        try:
            data = read_bytes(src.path, max_bytes)
        except Unreadable:
            return None
        if entry_key(data, src) != key.files[i]:
            return None  # changed again since it was hashed: its summary must not go under that key
        if summarize(data, src.display, src.module, src.is_package) != old:
            return None
        fresh.append((key.files[i], old))
    cache.add(fresh)  # the next whole analysis finds them
    resultcache.save(folder, key, result)
    return result, frozenset(files[i].path for i in changed)

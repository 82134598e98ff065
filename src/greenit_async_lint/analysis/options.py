"""What the analysis needs from the user's settings, and nothing that only the front ends use.

The front end's configuration (config.py) builds these with `Config.analysis_options()`; the gate
settings (`max-violations`, `fail-on`, the baseline, the docs address) stay there, so changing
them neither reaches the engine nor misses its result cache.
"""
from __future__ import annotations

from dataclasses import dataclass, field
import os
from typing import Any, Mapping, Optional, Protocol


@dataclass(frozen=True)
class AnalysisOptions:
    """What the analysis reads of a front end's settings (`cache_key`: the part that changes a report)."""

    select: tuple[str, ...] = ()  # code prefixes reported; empty means every code
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # added to the built-in exclusions
    max_depth: int = 8
    loop_amplification: bool = True
    max_file_bytes: int = 1_000_000
    # The user's catalogue extensions (heavy-calls, extra-work, ...): they change the catalogue,
    # whose own fingerprint then changes.
    catalogue_extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    cache: bool = True
    cache_dir: str = ".greenit-cache"
    jobs: int = 1  # parse workers
    respect_gitignore: bool = True  # skip what the project's .gitignore files ignore when walking
    # (folder the patterns are relative to, ((gitignore-style pattern, code prefixes), ...))
    per_file_ignores: tuple[str, tuple[tuple[str, tuple[str, ...]], ...]] = ("", ())
    noqa: bool = True  # False: `# noqa` comments silence nothing (flake8's --disable-noqa)
    min_confidence: str = "medium"  # findings less sure than this are not reported (low, medium, high)

    def selected(self, code: str, path: Optional[str] = None) -> bool:
        if self.select and not any(code.startswith(p) for p in self.select):
            return False
        if any(code.startswith(p) for p in self.ignore):
            return False
        return path is None or not self.per_file_ignores[1] or code not in self._ignored_in(path, code)

    def _ignored_in(self, path: str, code: str) -> set[str]:
        """{code} when a per-file-ignores pattern matching `path` ignores it (a relative `path` is
        relative to the current folder, as the report's paths are)."""
        import pathspec

        root, rules = self.per_file_ignores
        rel = os.path.relpath(os.path.abspath(path), root) if root else path
        for pattern, prefixes in rules:
            if pathspec.GitIgnoreSpec.from_lines([pattern]).match_file(rel.replace(os.sep, "/")) \
                    and any(code.startswith(p) for p in prefixes):
                return {code}
        return set()

    def cache_key(self) -> str:
        """The options that change what the analysis reports (not where it caches, nor how many
        workers parse): part of the result cache's key."""
        return repr((self.select, self.ignore, self.exclude, self.max_depth, self.loop_amplification,
                     self.max_file_bytes, self.respect_gitignore, self.per_file_ignores, self.noqa,
                     self.min_confidence))


class HasAnalysisOptions(Protocol):
    """A front end's settings, which give the analysis its options."""

    def analysis_options(self) -> AnalysisOptions: ...

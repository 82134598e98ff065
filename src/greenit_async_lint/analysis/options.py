"""What the analysis needs from the user's settings, and nothing that only the front ends use.

The front end's configuration (config.py) builds these with `Config.analysis_options()`; the gate
settings (`max-violations`, `fail-on`, the baseline, the docs address) stay there, so changing
them neither reaches the engine nor misses its result cache.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol


@dataclass(frozen=True)
class AnalysisOptions:
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

    def selected(self, code: str) -> bool:
        if self.select and not any(code.startswith(p) for p in self.select):
            return False
        return not any(code.startswith(p) for p in self.ignore)

    def cache_key(self) -> str:
        """The options that change what the analysis reports (not where it caches, nor how many
        workers parse): part of the result cache's key."""
        return repr((self.select, self.ignore, self.exclude, self.max_depth, self.loop_amplification,
                     self.max_file_bytes))


class HasAnalysisOptions(Protocol):
    """A front end's settings, which give the analysis its options."""

    def analysis_options(self) -> AnalysisOptions: ...

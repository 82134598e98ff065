"""The rules files' texts and the catalogue's fingerprint, read without building the catalogue.

A check needs the fingerprint (the result cache's key) before it forks its summary workers, and
the catalogue itself only once the summaries are made: building it (15 ms of imports, 5 ms of
records) then runs while the workers parse (analysis/engine.py). So this module imports nothing
of the catalogue's records.
"""
from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING, Any, NamedTuple, Optional, Union

if TYPE_CHECKING:
    from .load import Catalogue

TOP_FILES = ("codes.yaml", "work.yaml", "offloads.yaml", "volume.yaml", "imports.yaml")


class Sources(NamedTuple):
    """The shipped rules' texts, and the digests they and the user's extras give."""

    texts: dict[str, str]  # TOP_FILES by name
    frameworks: list[tuple[str, str]]  # (frameworks/<name>.yaml, text), sorted
    shipped: str  # of the shipped files alone: the parsed copy's key (parsed.py)
    fingerprint: str  # with the user's extras: the catalogue's


def read_sources(extra: dict[str, Any]) -> Sources:
    digest = hashlib.sha256()
    texts = {name: read_resource(name) for name in TOP_FILES}
    frameworks = framework_files()
    for name, text in [*texts.items(), *frameworks]:
        digest.update(name.encode() + b"\0" + text.encode())
    shipped = digest.hexdigest()
    digest.update(repr(sorted(extra.items(), key=lambda kv: kv[0])).encode())
    return Sources(texts, frameworks, shipped, digest.hexdigest()[:16])


class OnDemand:
    """The catalogue of `extra` (load_catalogue), built on the first call; its fingerprint is known
    before. A check hands this to the engine, the preload and the fixer: the first that needs the
    catalogue builds it, and all of them then share it."""

    def __init__(self, extra: dict[str, Any], made: Optional["Catalogue"] = None) -> None:
        self.extra = extra
        self._made = made
        self._sources: Optional[Sources] = None  # read once, for the fingerprint and the build

    @classmethod
    def checked(cls, extra: dict[str, Any]) -> "OnDemand":
        """Built at once when the user adds to it: a bad key of theirs stops the run (exit 2) before
        any work. The shipped rules alone are valid (the tests build them), and wait."""
        made = cls(extra)
        if any(extra.values()):  # (a configuration gives every key, empty when the user adds nothing)
            made()
        return made

    @property
    def fingerprint(self) -> str:
        """What load_catalogue(extra).fingerprint is, without building it."""
        return self._made.fingerprint if self._made is not None else self._read().fingerprint

    def __call__(self) -> "Catalogue":
        if self._made is None:
            from .load import load_catalogue
            self._made = load_catalogue(self.extra, self._read())
        return self._made

    def _read(self) -> Sources:
        if self._sources is None:
            self._sources = read_sources(self.extra)
        return self._sources


def built(catalogue: Union["Catalogue", OnDemand]) -> "Catalogue":
    return catalogue() if isinstance(catalogue, OnDemand) else catalogue


def rules_folder() -> str | None:
    """The rules package's folder when it is one on disk (always, but in a zip): read with plain
    open(), as importlib.resources would, without importing it (a tenth of a warm run's imports)."""
    from importlib import import_module

    folders = list(getattr(import_module("greenit_async_lint.rules"), "__path__", []))
    return folders[0] if len(folders) == 1 and os.path.isdir(folders[0]) else None


def read_resource(*parts: str) -> str:
    folder = rules_folder()
    if folder is not None:
        with open(os.path.join(folder, *parts), encoding="utf-8") as handle:
            return handle.read()
    import importlib.resources
    return importlib.resources.files("greenit_async_lint.rules").joinpath(*parts).read_text("utf-8")


def framework_files() -> list[tuple[str, str]]:
    folder = rules_folder()
    if folder is not None:
        names = os.listdir(os.path.join(folder, "frameworks"))
        return sorted((f"frameworks/{n}", read_resource("frameworks", n)) for n in names if n.endswith(".yaml"))
    import importlib.resources
    found = importlib.resources.files("greenit_async_lint.rules").joinpath("frameworks")
    return sorted((f"frameworks/{p.name}", p.read_text("utf-8")) for p in found.iterdir() if p.name.endswith(".yaml"))

"""The rule catalogues: codes, work families, offload patterns and framework handler markers.

All of it is YAML data under `rules/` (shipped in the wheel as the `greenit_async_lint.rules`
package and read with importlib.resources); users extend it from their configuration. This module
loads and validates that data and compiles it into lookup tables. The engine knows no framework or
library by name: everything it matches comes from here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .frameworks import FrameworkRules, parse_framework
from .imports import ImportRules, build_imports
from .offloads import Offloads, Queue, build_offloads
from .parsed import documents
from .schema import CatalogueError, as_bool, as_list, as_mapping, as_str, as_str_list
from .sources import Sources, read_sources
from .volume import VolumeRules, build_volume
from .work import SCOPES, WEIGHTS, Upgrade, WorkCatalogue, WorkEntry, build_work

__all__ = ["SCOPES", "WEIGHTS", "Catalogue", "CatalogueError", "CodeInfo", "Offloads", "Queue", "Upgrade",
           "WorkCatalogue", "WorkEntry", "default_catalogue", "load_catalogue"]

@dataclass(frozen=True)
class CodeInfo:
    """A finding code: its name, family, messages, fix text and doc-page examples."""

    code: str
    name: str
    family: str
    found: str
    why: str
    fix: str
    bad: str
    good: str
    config: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    call_family: bool = False  # calls in the work catalogue (and a user's extra-work) may have this family
    details: str = ""  # what counts and what does not, for the doc page only (a message keeps to `why`)


@dataclass
class Catalogue:
    """Everything the engine reads of rules/ and the user's extensions, with its fingerprint."""

    codes: dict[str, CodeInfo]
    family_code: dict[str, str]
    work: WorkCatalogue
    offloads: Offloads
    frameworks: list[FrameworkRules]
    fingerprint: str
    # Each framework's `remedies` section by framework name, with the key of where it was declared
    # (`frameworks/flask.yaml`): the engine does not read them, the fix layer parses them.
    framework_remedies: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    volume: VolumeRules = field(default_factory=VolumeRules)  # loops that grow with the data (volume.yaml)
    imports: ImportRules = field(default_factory=ImportRules)  # imports by a dotted name (imports.yaml)

    def framework(self, name: str) -> FrameworkRules | None:
        return next((fw for fw in self.frameworks if fw.name == name), None)

    def code_for(self, family: str) -> str:
        return self.family_code[family]


def __getattr__(name: str) -> Any:
    if name == "SAFE_LOADER":  # the fixer's remedies.yaml loader; yaml is imported only when asked
        import yaml
        return getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _parse_codes(data: Any) -> dict[str, CodeInfo]:
    codes: dict[str, CodeInfo] = {}
    for code, raw in as_mapping(data, "codes.yaml").items():
        where = f"codes.yaml:{code}"
        entry = as_mapping(raw, where)
        codes[code] = CodeInfo(
            code=code,
            name=as_str(entry.get("name"), f"{where}.name"),
            family=as_str(entry.get("family"), f"{where}.family"),
            found=as_str(entry.get("found"), f"{where}.found"),
            why=as_str(entry.get("why"), f"{where}.why"),
            fix=as_str(entry.get("fix"), f"{where}.fix"),
            bad=str(entry.get("bad", "")),
            good=str(entry.get("good", "")),
            config=dict(entry.get("config") or {}),
            call_family=as_bool(entry.get("call-family", False), f"{where}.call-family"),
            details=as_str(entry["details"], f"{where}.details") if "details" in entry else "",
        )
    return codes


def load_catalogue(extra: dict[str, Any] | None = None, sources: Sources | None = None) -> Catalogue:
    """Load the shipped catalogues, plus the user's extensions from configuration.

    `extra` keys (all optional): `heavy-calls`, `blocking-calls` (lists of patterns),
    `extra-work` (entries shaped like work.yaml), `extra-offloads` (shaped like offloads.yaml),
    `extra-handlers` (a list of framework rule mappings shaped like rules/frameworks/*.yaml).
    `sources`: the rules' texts, when the caller read them already for `extra` (sources.OnDemand).
    """
    extra = extra or {}
    sources = sources or read_sources(extra)
    frameworks_src = sources.frameworks
    shipped = documents({**sources.texts, **dict(frameworks_src)}, sources.shipped)

    codes = _parse_codes(shipped["codes.yaml"])
    family_code = {info.family: info.code for info in codes.values()}
    call_families = {info.family: info.code for info in codes.values() if info.call_family}
    user_work: list[Any] = list(as_list(extra.get("extra-work", []), "extra-work"))
    for key, weight in (("heavy-calls", "heavy"), ("blocking-calls", "blocking")):
        calls = as_str_list(extra.get(key, []), key)
        if calls:
            user_work.append({"family": "configured", "weight": weight, "calls": calls})
    work = build_work(shipped["work.yaml"], user_work, call_families, family_code)
    offloads = build_offloads(shipped["offloads.yaml"], extra.get("extra-offloads"))

    framework_documents = [(name, shipped[name]) for name, _text in frameworks_src]
    framework_documents += [(f"extra-handlers[{i}]", raw)
                            for i, raw in enumerate(as_list(extra.get("extra-handlers", []), "extra-handlers"))]
    frameworks, remedies = [], {}
    for where, raw in framework_documents:
        # A framework file also holds the fixer's templates for it (`remedies`): the engine does not
        # read them, the fix layer does (fix/rules.py), through `framework_remedies`.
        data = dict(as_mapping(raw, where))
        section = as_mapping(data.pop("remedies", None) or {}, f"{where}.remedies")
        fw = parse_framework(data, where)
        frameworks.append(fw)
        if section:
            remedies[fw.name] = (where, section)
    volume = build_volume(shipped["volume.yaml"])
    if volume.tree_walk and work.match(volume.tree_walk) is None:  # else walks.py would quietly find none
        raise CatalogueError("volume.yaml.tree-walk", f"names no rules/work.yaml call ({volume.tree_walk!r})")
    return Catalogue(codes, family_code, work, offloads, frameworks, sources.fingerprint, remedies, volume,
                     build_imports(shipped["imports.yaml"]))


_DEFAULT: Catalogue | None = None


def default_catalogue() -> Catalogue:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_catalogue()
    return _DEFAULT

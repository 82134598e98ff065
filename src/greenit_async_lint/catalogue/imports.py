"""Imports by name (rules/imports.yaml): calls that give the module or the object a dotted string
names (`importlib.import_module("app.backends.s3")`, `import_string("app.backends.S3Backend")`),
and the objects whose attributes are the project's settings (`settings.SEARCH_BACKEND`), so that a
backend chosen by a string constant or a setting is followed like an import."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .patterns import PatternTable
from .schema import ArgSpec, CatalogueError, as_bool, as_list, as_mapping, as_str, as_str_list, check_keys

_KEYS = ("imports", "settings")
_IMPORT_KEYS = ("calls", "name", "gives", "passes_objects")
_SETTINGS_KEYS = ("objects", "modules")
GIVES = ("module", "object", "instance")


@dataclass(frozen=True)
class ImportCall:
    """A call importing by a dotted name one of its arguments holds (`import_module(path)`)."""

    name: ArgSpec  # the argument holding the dotted name
    gives: str  # "module": the module it names; "object": the attribute its last segment names;
    # "instance": an instance of the class it names (a typed trait: `Instance("app.Manager")`)
    passes_objects: bool = False  # an argument that is no string is given back as it is (`maybe_dotted`)


@dataclass(frozen=True)
class ImportRules:
    """Imports by name (imports.yaml): the calls that make them, and the settings they read names from."""

    calls: PatternTable[ImportCall] = field(default_factory=PatternTable)
    settings_objects: PatternTable[bool] = field(default_factory=PatternTable)
    settings_modules: PatternTable[bool] = field(default_factory=PatternTable)  # module names, globs allowed


def build_imports(data: Any, where: str = "imports.yaml") -> ImportRules:
    top = as_mapping(data, where)
    check_keys(top, _KEYS, where)
    calls: list[tuple[str, ImportCall]] = []
    for i, raw in enumerate(as_list(top.get("imports"), f"{where}.imports")):
        k = f"{where}.imports[{i}]"
        entry = as_mapping(raw, k)
        check_keys(entry, _IMPORT_KEYS, k)
        if "name" not in entry:
            raise CatalogueError(k, "needs `name`")
        spec = ArgSpec.parse(entry["name"], f"{k}.name")
        call = ImportCall(spec, as_str(entry.get("gives"), f"{k}.gives", GIVES),
                          as_bool(entry.get("passes_objects", False), f"{k}.passes_objects"))
        calls.extend((p, call) for p in as_str_list(entry.get("calls"), f"{k}.calls"))
    settings = as_mapping(top.get("settings") or {}, f"{where}.settings")
    check_keys(settings, _SETTINGS_KEYS, f"{where}.settings")
    return ImportRules(PatternTable(calls),
                       PatternTable((p, True) for p in as_str_list(settings.get("objects", []), f"{where}.settings.objects")),
                       PatternTable((p, True) for p in as_str_list(settings.get("modules", []), f"{where}.settings.modules")))

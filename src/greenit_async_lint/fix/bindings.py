"""What a module's top-level statements bind, as the codemods need it to add imports and names:
the package a file is in, the absolute name of a relative import, and each module-level name with
the import it comes from (read once per file, kept on its SourceFile)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import libcst as cst

if TYPE_CHECKING:
    from .source import SourceFile


def package_parts(source: SourceFile) -> list[str]:
    parts = source.name.split(".")
    if source.is_package:
        return parts
    return parts[:-1] if _in_package(source) else []


def _in_package(source: SourceFile) -> bool:
    return (source.path.parent / "__init__.py").exists()


def absolute_module(source: SourceFile, level: int, module: str) -> Optional[str]:
    """The absolute name of `from <level dots><module> import ...` written in `source`."""
    if level == 0:
        return module
    package = package_parts(source)
    if level - 1 > len(package) or (level - 1 == len(package) and not module):
        return None
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, *([module] if module else [])]) or None


def module_bindings(source: SourceFile) -> dict[str, list[Optional[tuple[str, Optional[str]]]]]:
    """Names bound at module level: for each, (absolute module, object) per import, None otherwise.
    Read once per file (every fix rendered on it asks); callers do not change it."""
    if source.bindings is None:
        source.bindings = _module_bindings(source)
    return source.bindings


def _module_bindings(source: SourceFile) -> dict[str, list[Optional[tuple[str, Optional[str]]]]]:
    out: dict[str, list[Optional[tuple[str, Optional[str]]]]] = {}
    if source.module is None:
        return out
    for statement in source.module.body:
        for small in getattr(statement, "body", ()) if isinstance(statement, cst.SimpleStatementLine) else ():
            if isinstance(small, cst.Import):
                for alias in small.names:
                    full = cst.Module([]).code_for_node(alias.name)
                    bound = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) \
                        else full.split(".")[0]
                    out.setdefault(bound, []).append((full, None))
            elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                module = cst.Module([]).code_for_node(small.module) if small.module else ""
                absolute = absolute_module(source, len(small.relative), module) or module
                for alias in small.names:
                    name = cst.Module([]).code_for_node(alias.name)
                    bound = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) \
                        else name
                    out.setdefault(bound, []).append((absolute, name))
            elif isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                for target in targets:
                    if isinstance(target, cst.Name):
                        out.setdefault(target.value, []).append(None)
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            out.setdefault(statement.name.value, []).append(None)
    return out

"""The shape of the code: ruff finds nothing in src/, no module is over 300 lines, and imports flow one
way.

Front ends (the top-level modules and each subsystem's `cli`) -> subsystems (fix/, reporting/,
runtime/) -> engine (analysis/) -> catalogue (catalogue/, rules). A lower layer never imports a
higher one: the engine knows no front end or subsystem, the catalogue knows no engine. Imports
under `if TYPE_CHECKING:` count too: they are the same coupling, only deferred.
"""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

SRC = REPO / "src"
PACKAGE = SRC / "greenit_async_lint"
RANK = {"front": 3, "subsystem": 2, "engine": 1, "catalogue": 0}


def _ruff() -> list[str]:
    found = shutil.which("ruff", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "ruff"]


MAX_LINES = 300  # a module that outgrows this holds more than one idea: split it by what it does


def test_no_source_module_is_over_300_lines() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 100, modules  # the package itself, not an empty folder
    long = {str(path.relative_to(SRC)): n for path in modules
            if (n := len(path.read_text("utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split these by what they do: {long}"


def test_ruff_finds_nothing_in_src() -> None:
    pytest.importorskip("ruff", reason="ruff is in the test extra")
    result = subprocess.run([*_ruff(), "check", "--no-cache", "--output-format", "concise", "src"], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def _module(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    path = SRC.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file() or name.endswith(".rules")


def layer(module: str) -> str | None:
    """The layer of a package module; None for the package root (its version is everyone's)."""
    parts = module.split(".")[1:]
    if not parts:
        return None
    if parts[0] in ("catalogue", "rules"):
        return "catalogue"
    if parts[0] == "analysis":
        return "engine"
    if parts[0] in ("fix", "reporting", "runtime"):
        return "front" if parts[1:] == ["cli"] else "subsystem"
    return "front"


def imports(path: Path) -> list[tuple[str, int]]:
    """The package modules a file imports (resolving relative imports), with their lines."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            names = [f"{target}.{alias.name}" for alias in node.names]
            # `from . import x` names a module x; `from .m import f` names the module m.
            out += [(n, node.lineno) for n in names if _is_module(n)] or [(target, node.lineno)]
        elif isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
    return [(name, line) for name, line in out if name.split(".")[0] == "greenit_async_lint"]


def test_layers_classify_the_package_as_the_docs_say() -> None:
    assert layer("greenit_async_lint.cli") == "front"
    assert layer("greenit_async_lint.fix.cli") == "front"
    assert layer("greenit_async_lint.fix.codemods") == "subsystem"
    assert layer("greenit_async_lint.analysis.engine") == "engine"
    assert layer("greenit_async_lint.catalogue.load") == "catalogue"
    found = {layer(_module(p)) for p in PACKAGE.rglob("*.py")}
    assert found >= {"front", "subsystem", "engine", "catalogue"}


def test_imports_flow_from_front_ends_to_the_catalogue() -> None:
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = layer(_module(path))
        for target, line in imports(path):
            there = layer(target)
            if here is not None and there is not None and RANK[there] > RANK[here]:
                upward.append(f"{path.relative_to(REPO)}:{line} ({here}) imports {target} ({there})")
    assert not upward, "imports against the pipeline's direction:\n" + "\n".join(upward)

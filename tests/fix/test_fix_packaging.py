"""The fixer ships whole: pyproject lists packages one by one, so a sub-package of `fix` would be
left out of the wheel (and `check`, which attaches remedies, would fail once installed)."""
from __future__ import annotations

import fnmatch
import sys

from fixtools import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _setuptools() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]


def test_every_fix_module_is_in_a_listed_package():
    packages = set(_setuptools()["packages"])
    fix = REPO / "src" / "greenit_async_lint" / "fix"
    for module in fix.rglob("*.py"):
        package = ".".join(module.relative_to(REPO / "src").parent.parts)
        assert package in packages, f"{module.relative_to(REPO)} is in {package}, which the wheel does not ship"


def test_remedies_yaml_is_package_data():
    patterns = _setuptools()["package-data"]["greenit_async_lint.rules"]
    assert any(fnmatch.fnmatch("remedies.yaml", p) for p in patterns)
    assert (REPO / "rules" / "remedies.yaml").is_file()

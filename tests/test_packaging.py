"""The built wheel carries the rule catalogues and loads them from inside the package."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO


def test_wheel_ships_rules_and_loads_them(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"), str(REPO)],
                   check=True, capture_output=True, timeout=600)
    wheel = next((tmp_path / "dist").glob("greenit_async_lint-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("greenit_async_lint/rules/codes.yaml", "greenit_async_lint/rules/work.yaml",
                     "greenit_async_lint/rules/offloads.yaml", "greenit_async_lint/rules/frameworks/django.yaml",
                     "greenit_async_lint/rules/frameworks/fastapi.yaml"):
        assert required in names, f"{required} missing from {wheel.name}"
    assert any(n.endswith("entry_points.txt") for n in names)
    entry_points = next(zipfile.ZipFile(wheel).read(n).decode() for n in names if n.endswith("entry_points.txt"))
    assert "flake8.extension" in entry_points and "greenit-async-lint = greenit_async_lint.leave:console" in entry_points

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    probe = ("import greenit_async_lint, importlib.resources as r;"
             "from greenit_async_lint.catalogue import load_catalogue;"
             "print(greenit_async_lint.__file__);"
             "print(r.files('greenit_async_lint.rules').joinpath('work.yaml'));"
             "print(len(load_catalogue().codes))")
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run([sys.executable, "-I", "-c", probe.replace("import greenit", "import sys; sys.path.insert(0, %r); import greenit" % str(target))],
                         check=True, capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path).stdout.splitlines()
    assert out[0].startswith(str(target)) and out[1].startswith(str(target)), out
    assert int(out[2]) >= 20


def test_every_package_of_the_source_tree_is_declared() -> None:
    """pyproject lists packages by hand (rules/ is mapped into the package); a new subpackage that is
    not listed is missing from the wheel, and an installed checker fails with ModuleNotFoundError."""
    import tomllib
    declared = set(tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"])
    src = REPO / "src"
    found = {".".join(p.parent.relative_to(src).parts) for p in src.rglob("__init__.py")}
    assert found - declared == set(), "add these to [tool.setuptools] packages in pyproject.toml"

"""Discovery (analysis/discovery.py, gitignores.py): which files a check reads, in which order,
under which module names. The walk lists each folder once with os.scandir and names a folder's
modules from its parent's package; these tests hold it to the per-file definitions."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from greenit_async_lint.analysis.discovery import (DEFAULT_EXCLUDE, Excluder, collect, module_name,
                                                   shared_walks, walk_python_files)


def make(root: Path, files: list[str]) -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


TREE = [
    "src/shop/__init__.py", "src/shop/views.py", "src/shop/api/__init__.py", "src/shop/api/v1.py",
    "src/shop/api/plain/helpers.py", "src/shop/api/plain/deep/__init__.py", "src/shop/api/plain/deep/m.py",
    "scripts/run.py", "scripts/b/__init__.py", "setup.py", "a.py", "docs/conf.py", "stub.pyi", "notes.txt",
    "build/gen.py", "pkg.egg-info/x.py", "node_modules/n.py", "tests/test_a.py", "generated/out.py",
    "generated/keep.py", "sub/.gitignore", "sub/tmp_x.py", "sub/y.py",
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    make(tmp_path, TREE)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("generated/*\n!generated/keep.py\n")
    (tmp_path / "sub" / ".gitignore").write_text("tmp_*\n")
    return tmp_path


def rel(root: Path, paths) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


def test_a_folders_files_come_before_its_sub_folders_in_name_order(project: Path) -> None:
    found = rel(project, walk_python_files(project, Excluder(DEFAULT_EXCLUDE, project)))
    assert found == ["a.py", "setup.py", "docs/conf.py", "generated/keep.py", "scripts/run.py",
                     "scripts/b/__init__.py", "src/shop/__init__.py", "src/shop/views.py",
                     "src/shop/api/__init__.py", "src/shop/api/v1.py", "src/shop/api/plain/helpers.py",
                     "src/shop/api/plain/deep/__init__.py", "src/shop/api/plain/deep/m.py", "sub/y.py",
                     "tests/test_a.py"]


def test_without_gitignore_the_ignored_files_are_walked_too(project: Path) -> None:
    found = rel(project, walk_python_files(project, Excluder(DEFAULT_EXCLUDE, project, gitignore=False)))
    assert {"generated/out.py", "sub/tmp_x.py"} <= set(found) and "build/gen.py" not in found


def test_module_names_are_those_of_the_per_file_definition(project: Path) -> None:
    for given in (project, project / "src", project / "src" / "shop" / "api"):
        files = collect([given], Excluder(DEFAULT_EXCLUDE, project), project)
        assert files
        for source in files:
            assert (source.module, source.is_package, source.root) == module_name(source.path), source
            assert source.display == source.path.relative_to(project).as_posix()
    names = {f.display: f.module for f in collect([project], Excluder(DEFAULT_EXCLUDE, project), project)}
    assert names["src/shop/api/plain/deep/m.py"] == "deep.m"
    assert names["src/shop/api/v1.py"] == "shop.api.v1"
    assert names["scripts/b/__init__.py"] == "b"


def test_exclude_patterns_by_name_and_by_path(project: Path) -> None:
    excluder = Excluder((*DEFAULT_EXCLUDE, "tests", "src/shop/api/plain", "*.py~", str(project / "docs")), project)
    found = {f.display for f in collect([project], excluder, project)}
    assert not any(d.startswith(("tests/", "src/shop/api/plain/", "docs/")) for d in found)
    assert "src/shop/api/v1.py" in found
    # A folder given on the command line is walked even when its name is a default exclusion.
    assert [f.display for f in collect([project / "build"], Excluder(DEFAULT_EXCLUDE, project), project)] == \
        ["build/gen.py"]


def test_a_file_and_its_folder_given_together_are_read_once(project: Path) -> None:
    files = collect([project / "a.py", project, Path("a.py")], Excluder(DEFAULT_EXCLUDE, project), project)
    assert [f.display for f in files].count("a.py") == 1


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_links_to_folders_are_not_followed_and_links_to_files_are_read(project: Path) -> None:
    (project / "linked").symlink_to(project / "src")
    (project / "alias.py").symlink_to(project / "a.py")
    found = rel(project, walk_python_files(project, Excluder(DEFAULT_EXCLUDE, project)))
    assert "alias.py" in found and not any(p.startswith("linked/") for p in found)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any folder")
def test_a_folder_that_cannot_be_listed_is_yielded_last(project: Path) -> None:
    locked = project / "src" / "shop" / "api"
    locked.chmod(0)
    try:
        found = rel(project, walk_python_files(project, Excluder(DEFAULT_EXCLUDE, project)))
    finally:
        locked.chmod(0o755)
    assert found[-1] == "src/shop/api" and "src/shop/api/v1.py" not in found


def test_a_run_lists_a_folder_once_and_the_next_run_lists_it_again(project: Path) -> None:
    """Within shared_walks (one check), a walk with an excluder that skips the same names reads the
    first one's listing back, whatever the base; one skipping other names lists again; after the
    block, files are listed as they are then."""
    with shared_walks():
        first = rel(project, walk_python_files(project, Excluder(DEFAULT_EXCLUDE, project)))
        (project / "late.py").write_text("x = 1\n")
        again = rel(project, walk_python_files(project, Excluder(DEFAULT_EXCLUDE, project / "src")))
        other = rel(project, walk_python_files(project, Excluder((*DEFAULT_EXCLUDE, "docs"), project)))
        names = [f.display for f in collect([project], Excluder(DEFAULT_EXCLUDE, project), project)]
    assert again == first == names and "late.py" not in first
    assert "late.py" in other and "docs/conf.py" not in other
    assert "late.py" in rel(project, walk_python_files(project, Excluder(DEFAULT_EXCLUDE, project)))


WALK = r"""
import json, sys
from pathlib import Path
from greenit_async_lint.analysis.discovery import DEFAULT_EXCLUDE, Excluder, walk_python_files
root = Path(sys.argv[1])
found = [p.relative_to(root).as_posix() for p in walk_python_files(root, Excluder(DEFAULT_EXCLUDE, root))]
print(json.dumps({"found": found, "pathspec": "pathspec" in sys.modules}))
"""


def _walk_in_a_process(root: Path, cache: Path) -> dict:
    import json
    import subprocess
    import sys

    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run([sys.executable, "-c", WALK, str(root)], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_a_gitignore_that_matches_no_walked_name_costs_no_pathspec_import_the_second_time(tmp_path: Path) -> None:
    """The regex joining a .gitignore's patterns is kept in the user's cache folder: the next walk
    asks pathspec nothing until a name matches it. A damaged store is a miss, with the same files."""
    root = tmp_path / "proj"
    make(root, ["a.py", "pkg/__init__.py", "pkg/b.py", "logs/c.py"])
    (root / ".git").mkdir()
    (root / ".gitignore").write_text("*.log\n!keep.log\n/build/\n")
    cache = tmp_path / "cache"
    first = _walk_in_a_process(root, cache)
    second = _walk_in_a_process(root, cache)
    assert first["found"] == second["found"] == ["a.py", "logs/c.py", "pkg/__init__.py", "pkg/b.py"]
    assert first["pathspec"] and not second["pathspec"]
    (root / ".gitignore").write_text("*.log\n!keep.log\n/build/\nlogs/\n")  # another text: translated again
    assert _walk_in_a_process(root, cache)["found"] == ["a.py", "pkg/__init__.py", "pkg/b.py"]
    from greenit_async_lint.analysis.gitignores import _STORE
    store = cache / "greenit-async-lint" / _STORE
    assert len(list(store.iterdir())) == 2  # one entry a .gitignore text, read alone
    for entry in store.iterdir():
        entry.write_bytes(entry.read_bytes().replace(b"log", b"py"))  # a damaged entry is not trusted
    assert _walk_in_a_process(root, cache)["found"] == ["a.py", "pkg/__init__.py", "pkg/b.py"]


def test_the_store_keeps_only_the_newest_gitignore_texts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past _STORE_MAX texts, the entries written first go; the others are still read back."""
    from greenit_async_lint.analysis import gitignores

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(gitignores, "_STORE_MAX", 3)
    keys = []
    for i in range(5):
        spec = gitignores._Spec(f"*.log{i}\n")
        keys.append(spec.key)
        gitignores.save_new()
        os.utime(tmp_path / "cache" / "greenit-async-lint" / gitignores._STORE / spec.key, ns=(i, i))
    assert gitignores._read_entry(keys[0]) is None and gitignores._read_entry(keys[1]) is None
    assert all(gitignores._read_entry(key) is not None for key in keys[2:])


WALK_COMPILES = r"""
import json, sys
from pathlib import Path
from re import _compiler
compiled = []
real = _compiler.compile
_compiler.compile = lambda p, flags=0: compiled.append(p) or real(p, flags)
from greenit_async_lint.analysis.discovery import DEFAULT_EXCLUDE, Excluder, walk_python_files
root = Path(sys.argv[1])
found = [p.relative_to(root).as_posix() for p in walk_python_files(root, Excluder(DEFAULT_EXCLUDE, root))]
print(json.dumps({"found": found, "joined_compiled": any("(?:" in p and "log" in p for p in compiled if isinstance(p, str))}))
"""


def test_the_joined_regex_is_compiled_once_and_its_code_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next walk makes the .gitignore's joined regex from the code kept with it (gitignores._compile),
    without sre's compiler; code from another Python, or damaged, is compiled again, to the same regex."""
    import json
    import subprocess
    import sys

    from greenit_async_lint.analysis import gitignores

    root = tmp_path / "proj"
    make(root, ["a.py", "logs/c.py", "out/d.py", "pkg/__init__.py"])
    (root / ".git").mkdir()
    (root / ".gitignore").write_text("*.log\nlogs/\n/out/\nbuild-*/\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}

    def walk() -> dict:
        done = subprocess.run([sys.executable, "-c", WALK_COMPILES, str(root)], env=env, capture_output=True,
                              text=True, check=True)
        return json.loads(done.stdout)

    first, second = walk(), walk()
    assert first["found"] == second["found"] == ["a.py", "pkg/__init__.py"]
    assert first["joined_compiled"] and not second["joined_compiled"]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (entry,) = (tmp_path / "cache" / "greenit-async-lint" / gitignores._STORE).iterdir()
    stored = gitignores._read_entry(entry.name)
    assert stored is not None and stored[2] is not None
    pattern = stored[0]
    assert gitignores._compiled(pattern, stored[2]).pattern == pattern  # type: ignore[union-attr]
    foreign = ["another Python", *stored[2][1:]]
    damaged = [stored[2][0], stored[2][1], [999999] * 8, *stored[2][3:]]
    assert gitignores._compiled(pattern, foreign) is None and gitignores._compiled(pattern, damaged) is None
    for name in ("x.log", "logs/", "out/", "src/build-1/", "a.py", "src/out/"):
        made = gitignores._compiled(pattern, stored[2])
        assert bool(made.match(name)) == bool(gitignores.re.compile(pattern).match(name)), name  # type: ignore[union-attr]


def test_pathspecs_verdicts_on_matching_names_are_kept_too(project: Path, tmp_path: Path) -> None:
    """A name that matches a .gitignore (`generated/out.py`, `generated/keep.py` re-included by `!`)
    gets pathspec's verdict once; the next walk reads it back and imports no pathspec."""
    cache = tmp_path / "cache"
    expected = rel(project, walk_python_files(project, Excluder(DEFAULT_EXCLUDE, project)))
    first = _walk_in_a_process(project, cache)
    second = _walk_in_a_process(project, cache)
    assert first["found"] == second["found"] == expected
    assert "generated/keep.py" in expected and "generated/out.py" not in expected and "sub/tmp_x.py" not in expected
    assert first["pathspec"] and not second["pathspec"]


GITIGNORE_SHAPES = """\
*.py[cod]
.env
*__pycache__/
docs/site/
*temp/*
dev/data/backups/*
/build/
**/generated/**
a/**/b
!keep.log
*.log
node_modules
.env.*.local
*.sw?
"""


def test_the_joined_regex_matches_exactly_the_names_some_pattern_matches() -> None:
    """The walk skips a name only when the joined regex (gitignores._any_pattern) does not match
    it: it must match whatever one of pathspec's patterns matches, and (to stay a cheap filter)
    nothing else, at every depth, for files and folders alike."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    import pathspec
    import re

    from greenit_async_lint.analysis.gitignores import _any_pattern

    spec = pathspec.GitIgnoreSpec.from_lines(GITIGNORE_SHAPES.splitlines())
    joined = re.compile(_any_pattern(spec) or "")
    patterns = [p.regex for p in spec.patterns if p.regex is not None]
    segment = st.sampled_from(["a", "b", "x.pyc", ".env", "__pycache__", "docs", "site", "mytemp", "dev", "data",
                               "backups", "build", "generated", "keep.log", "node_modules", ".env.dev.local",
                               "f.swp", "views.py", "temp"])

    @settings(max_examples=400, deadline=None, derandomize=True)
    @given(st.lists(segment, min_size=1, max_size=6), st.booleans())
    def agrees(parts: list[str], is_dir: bool) -> None:
        rel = "/".join(parts) + ("/" if is_dir else "")
        assert bool(joined.match(rel)) == any(p.match(rel) for p in patterns), rel

    agrees()

"""Directory listings and walks (rules/volume.yaml `listings`, `tree-walk`, the file-check and
file-io per-row kinds; analysis/volume.py, analysis/walks.py): per-entry file work in a loop over
a folder's entries grows with the folder, a function calling itself per entry walks the tree, and
one stat, one listing, a literal list of subfolders or a slice of a listing stay small."""
from __future__ import annotations

from pathlib import Path

import pytest

from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.analysis.ir import Attr, CallSite, Function, Name, Scope
from greenit_async_lint.analysis.walks import calls_itself
from greenit_async_lint.catalogue import CatalogueError
from greenit_async_lint.catalogue.volume import build_volume
from greenit_async_lint.config import Config

FLASK = """\
import glob
import os
import shutil
import zipfile
from pathlib import Path

from flask import Flask

app = Flask(__name__)
ROOT = Path("/srv/data")


{helpers}


@app.get("/x")
def view():
{body}
    return "ok"
"""


def codes(tmp_path: Path, body: str, helpers: str = "") -> set[str]:
    (tmp_path / "app.py").write_text(FLASK.format(helpers=helpers, body=body))
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    return {f"{f.code}{'!' if f.severity == 'violation' else '?'}" for f in report.findings}


PER_ENTRY = {
    "a stat per entry of os.listdir": "    for n in os.listdir(ROOT):\n        os.path.getsize(os.path.join(ROOT, n))",
    "an unlink per entry of Path.iterdir": "    for f in ROOT.iterdir():\n        f.unlink()",
    "a read per entry of a glob": "    for p in glob.glob('/srv/data/*.json'):\n        open(p).read()",
    "a stat per entry of os.scandir": "    for e in os.scandir(ROOT):\n        e.stat()",
    "a copy per entry of a sorted listing": ("    for n in sorted(os.listdir(ROOT)):\n"
                                            "        shutil.copy(n, '/tmp')"),
    "a listing per entry of a listing": "    for d in ROOT.iterdir():\n        list(d.joinpath('thumbs').iterdir())",
}

SMALL = {
    "one stat": "    os.path.exists(ROOT / 'index.json')",
    "one listing": "    len(os.listdir(ROOT))",
    "a literal list of subfolders": "    for sub in ('images', 'assets'):\n        os.path.isdir(ROOT / sub)",
    "a slice of a listing": "    for n in sorted(os.listdir(ROOT))[:20]:\n        os.path.getsize(n)",
    "names only": "    [n for n in os.listdir(ROOT) if n.endswith('.json')]",
    "the application's own folder": ("    folder = os.path.join(app.root_path, 'themes')\n"
                                     "    [n for n in os.listdir(folder) if os.path.isdir(os.path.join(folder, n))]"),
    "a folder of the module's": "    for p in (Path(__file__).parent / 'plugins').iterdir():\n        p.is_dir()",
    "the entries of one archive": "    for m in zipfile.ZipFile('a.zip').namelist():\n        os.path.exists(m)",
}


@pytest.mark.parametrize("body", PER_ENTRY.values(), ids=list(PER_ENTRY))
def test_per_entry_file_work_in_a_listing_loop_is_data_volume_work(tmp_path: Path, body: str) -> None:
    assert codes(tmp_path, body) == {"GAL114!"}


@pytest.mark.parametrize("body", SMALL.values(), ids=list(SMALL))
def test_one_file_check_and_folders_the_code_makes_small_are_not_reported(tmp_path: Path, body: str) -> None:
    assert codes(tmp_path, body) == set()


WALKER = """\
def walk(path):
    names = []
    for entry in {listing}:
        names.append(entry)
        walk(os.path.join(path, entry))
    return names
"""


@pytest.mark.parametrize("listing", ["os.listdir(path)", "sorted(os.listdir(path))", "os.scandir(path)"])
def test_a_function_calling_itself_per_listed_entry_walks_the_tree(tmp_path: Path, listing: str) -> None:
    assert codes(tmp_path, "    walk(ROOT)", WALKER.format(listing=listing)) == {"GAL104!"}
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert "`walk` calls itself for each entry: a walk of the whole tree" in report.findings[0].message


def test_a_recursion_over_a_literal_or_a_method_calling_a_namesake_is_no_walk(tmp_path: Path) -> None:
    helpers = WALKER.format(listing="('a', 'b')") + (
        "\n\ndef purge(name):\n    return name.strip()\n\n\n"
        "class Admin:\n    def purge(self):\n        for entry in os.listdir(ROOT):\n            purge(entry)\n")
    assert codes(tmp_path, "    walk(ROOT)\n    Admin().purge()", helpers) == set()


def test_a_method_calling_itself_per_entry_walks_the_tree(tmp_path: Path) -> None:
    helpers = ("class Tree:\n    def size(self, path):\n        total = 0\n"
               "        for entry in os.scandir(path):\n            total += self.size(entry.path)\n"
               "        return total\n")
    assert codes(tmp_path, "    Tree().size(ROOT)", helpers) == {"GAL104!"}


def _site(func: object, tail: str) -> CallSite:
    return CallSite(func, (), (), 1, 0, tail, (), tail)  # type: ignore[arg-type]


def _function(name: str, cls: str | None) -> Function:
    return Function(name, name, 1, 0, False, [], [], None, Scope("function", name), None, cls,
                    "method" if cls else "function")


def test_calls_itself_reads_the_summary_alone() -> None:
    assert calls_itself(_site(Name("n", "walk"), "walk"), _function("walk", None))
    assert calls_itself(_site(Attr("a", Name("n", "self"), "walk"), "walk"), _function("walk", "Tree"))
    assert not calls_itself(_site(Name("n", "walk"), "walk"), _function("walk", "Tree"))  # a module function
    assert not calls_itself(_site(Attr("a", Name("n", "other"), "walk"), "walk"), _function("walk", "Tree"))
    assert not calls_itself(_site(Name("n", "walker"), "walker"), _function("walk", None))


def test_the_catalogue_reads_listings_and_the_tree_walk() -> None:
    rules = build_volume({"listings": ["os.listdir"], "tree-walk": "os.walk"})
    assert "os.listdir" in rules.listings and rules.tree_walk == "os.walk"
    assert build_volume({}).tree_walk == ""
    with pytest.raises(CatalogueError, match="volume.yaml.tree-walk"):
        build_volume({"tree-walk": ["os.walk"]})
    globs = build_volume({"recursive-globs": [{"call": "glob.glob", "keyword": "recursive"}, {"call": "a.b"}]})
    assert globs.recursive_globs == {"glob.glob": "recursive", "a.b": ""}
    with pytest.raises(CatalogueError, match=r"volume.yaml.recursive-globs\[0\]"):
        build_volume({"recursive-globs": [{"call": "glob.glob", "kwarg": "recursive"}]})


def test_a_listing_handed_to_a_thread_still_gives_every_entry(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import asyncio\nimport os\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n"
        "@app.get('/sizes')\nasync def sizes(folder: str):\n"
        "    names = await asyncio.to_thread(os.listdir, folder)\n"
        "    return [os.path.getsize(os.path.join(folder, n)) for n in names]\n"
        "\n@app.get('/count')\nasync def count(folder: str):\n"
        "    return len(await asyncio.to_thread(os.listdir, folder))\n")
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert [(f.line, f.code, f.severity) for f in report.findings] == [(10, "GAL114", "violation")]


def test_the_catalogue_reads_the_shipped_folders() -> None:
    rules = build_volume({"shipped-folders": {"roots": ["flask.Flask.root_path"], "steps": ["os.path.join"]}})
    assert "flask.Flask.root_path" in rules.shipped_roots and "os.path.join" in rules.shipped_steps
    with pytest.raises(CatalogueError, match="volume.yaml.shipped-folders"):
        build_volume({"shipped-folders": {"root": ["flask.Flask.root_path"]}})


@pytest.mark.parametrize("command, code", [
    ("['du', '-s', '/srv/data']", "GAL104!"),
    ("['find', '/srv/data', '-name', '*.tmp']", "GAL104!"),
    ("['rsync', '-a', '/srv/data/', '/backup/']", "GAL104!"),
    ("['df', '-h']", "GAL107?"),
])
def test_a_process_that_walks_a_tree_is_bulk_file_work(tmp_path: Path, command: str, code: str) -> None:
    (tmp_path / "app.py").write_text(
        "import subprocess\nfrom flask import Flask\n\napp = Flask(__name__)\n\n"
        f"@app.get('/x')\ndef view():\n    subprocess.run({command}, check=True)\n    return 'ok'\n")
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert {f"{f.code}{'!' if f.severity == 'violation' else '?'}" for f in report.findings} == {code}


@pytest.mark.parametrize("body, expected", [
    ("    glob.glob('/srv/data/**/*.jpg', recursive=True)", {"GAL104!"}),
    ("    glob.glob(os.path.join(ROOT, '**', '*.jpg'), recursive=True)", {"GAL104!"}),
    ("    pattern = os.path.join(ROOT, '**')\n    list(glob.iglob(pattern, recursive=True))", {"GAL104!"}),
    ("    list(ROOT.glob('**/*.jpg'))", {"GAL104!"}),
    ("    glob.glob('/srv/data/**/*.jpg')", set()),  # without recursive=True, `**` is `*`
    ("    glob.glob('/srv/data/**/*.jpg', recursive=False)", set()),
    ("    list(ROOT.glob('*.jpg'))", set()),
])
def test_a_glob_whose_pattern_holds_two_stars_walks_the_tree(tmp_path: Path, body: str, expected: set[str]) -> None:
    assert codes(tmp_path, body) == expected


def test_a_tree_walk_naming_no_work_call_is_a_catalogue_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A typo in `tree-walk` would switch walks off without a word (walks.py finds no entry)."""
    from greenit_async_lint.catalogue import load, sources
    real = sources.read_resource

    def read(*parts: str) -> str:
        text = real(*parts)
        return text.replace("tree-walk: os.walk", "tree-walk: os.wlak") if parts == ("volume.yaml",) else text

    assert "tree-walk: os.walk" in real("volume.yaml")  # what the replacement relies on
    monkeypatch.setattr(sources, "read_resource", read)
    with pytest.raises(CatalogueError, match=r"volume.yaml.tree-walk.*os.wlak"):
        load.load_catalogue()

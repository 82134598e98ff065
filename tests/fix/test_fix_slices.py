"""slices.py: the part of a file the codemods parse. A slice restores to the exact file, binds the
same names, keeps the focused functions at their lines, and the fixes planned on slices are the
fixes planned on whole files."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from greenit_async_lint.fix import apply as apply_module
from greenit_async_lint.fix.apply import plan_report
from greenit_async_lint.fix.slices import Slice, SliceLost, make_slice

from fixtools import FIXTURES, analyse, copy_project

MODULE = '''"""doc"""
import os
from x import (a,
               b)

COUNTER = 0


@decorator(
    arg=1,
)
def helper(path):
    global COUNTER
    COUNTER += 1
    return os.stat(path)


class View(Base):
    attribute = a()

    def get(self):  # comment
        return helper("x")

    @property
    def post(self):
        data = """
not code
"""
        return data

    class Inner:
        def deep(self):
            pass


def last(): return 1'''


def test_a_slice_restores_to_the_exact_file_whatever_the_newlines_and_indentation() -> None:
    for text in (MODULE, MODULE.replace("\n", "\r\n"), MODULE.replace("    ", "\t"), MODULE + "\n"):
        piece = make_slice(text.encode("utf-8"), [22])
        assert piece is not None and piece.stubs
        assert piece.restore(piece.text) == text
        compile(piece.text, "slice", "exec")


def test_a_slice_keeps_the_focused_function_and_stubs_the_rest() -> None:
    piece = make_slice(MODULE.encode(), [22])  # inside View.get
    assert piece is not None
    tree = ast.parse(piece.text)
    top = {type(n).__name__ + ":" + getattr(n, "name", "") for n in tree.body}
    assert {"FunctionDef:helper", "ClassDef:View", "FunctionDef:last", "Import:", "ImportFrom:"} <= top
    view = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    methods = {n.name: n for n in view.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert set(methods) == {"get", "post", "Inner"}
    assert len(methods["post"].body) == 1 and not methods["post"].decorator_list  # a stub
    assert isinstance(methods["get"].body[0], ast.Return)  # kept whole
    # the stub of `helper` keeps its `global` (it decides whether COUNTER is a constant) and reads
    # the names the function read (an import it uses stays used)
    helper = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "helper")
    assert isinstance(helper.body[0], ast.Global) and helper.body[0].names == ["COUNTER"]
    read = {n.id for n in ast.walk(helper.body[1]) if isinstance(n, ast.Name)}
    assert {"os", "decorator", "path"} <= read
    # kept lines are found again: View.get's return is line 22 of the file
    lines = piece.text.splitlines()
    assert lines[piece.lines[22] - 1] == MODULE.splitlines()[21]
    assert 14 not in piece.lines  # inside the stub of helper


STUBBED = '''
def stubbed(a: "Model", b: models.Other, c: make("Made").Kind, *d: list["Listed"], **e: pkg.mod.Deep) -> "Returned":
    global COUNTER
    import inner_module
    from x import imported_name
    value: "Annotated" = call(keyword=argument).attribute
    plain: int = 0
    try:
        pass
    except Error as caught:
        pass
    match value:
        case Point(x=captured):
            pass
    return [item for item in values if f"{formatted}"] and (lambda p: p + closed)(1)
'''


def test_a_stub_reads_every_name_the_function_reads_and_no_other() -> None:
    """The names a stub reads are the `Name` nodes of the function and those in its string
    annotations, whatever the annotation's shape (a dotted one over a call holding a string
    too); attribute, keyword, parameter, import, `except ... as` and capture names are no names it
    reads."""
    piece = make_slice(STUBBED.encode(), [])
    assert piece is not None
    stub = ast.parse(piece.text).body[0]
    assert isinstance(stub, ast.FunctionDef) and isinstance(stub.body[0], ast.Global)
    assert stub.body[0].names == ["COUNTER"]
    read = {n.id for n in ast.walk(stub.body[1]) if isinstance(n, ast.Name)}
    assert read == {"Model", "models", "make", "Made", "list", "Listed", "pkg", "Returned", "Annotated", "call",
                    "argument", "int", "Error", "value", "Point", "item", "values", "formatted", "p", "closed",
                    "plain"}


def test_a_lost_marker_is_detected() -> None:
    piece = make_slice(MODULE.encode(), [22])
    assert piece is not None
    without = "".join(line for line in piece.text.splitlines(keepends=True) if "def helper" not in line)
    with pytest.raises(SliceLost):
        piece.restore(without)


@pytest.mark.parametrize("data", [
    b"\xef\xbb\xbfx = 1\n",  # a byte-order mark
    b"# -*- coding: latin-1 -*-\nx = '\xe9'\n",  # another encoding
    b"def f(:\n",  # not Python
    b"x = 1  #@gal-slice 1-2\n",  # a comment like our markers
])
def test_files_that_are_never_sliced(data: bytes) -> None:
    assert make_slice(data, [1]) is None


def _diffs(project: Path, monkeypatch: pytest.MonkeyPatch, whole: bool) -> dict[str, str]:
    if whole:
        monkeypatch.setattr(apply_module, "focus_lines", lambda findings, cwd: None)
    run = plan_report(analyse(project), unsafe=True, cwd=project)
    monkeypatch.undo()
    return {source.display: text for source, text in run.rendered.values()}


APPS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())


@pytest.mark.parametrize("app", APPS, ids=[p.name for p in APPS])
def test_fixes_planned_on_slices_are_the_fixes_planned_on_whole_files(app: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_project(app, tmp_path / app.name)
    assert _diffs(project, monkeypatch, whole=False) == _diffs(project, monkeypatch, whole=True)


def test_a_slice_that_cannot_be_restored_is_planned_again_on_the_whole_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_project(FIXTURES / "fastapi_media", tmp_path / "app")
    expected = _diffs(project, monkeypatch, whole=True)
    assert expected
    real = Slice.restore
    lost: list[str] = []

    def flaky(self: Slice, fixed: str) -> str:
        if not lost:
            lost.append("once")
            raise SliceLost("simulated")
        return real(self, fixed)

    monkeypatch.setattr(Slice, "restore", flaky)
    run = plan_report(analyse(project), unsafe=True, cwd=project)
    assert lost and {s.display: t for s, t in run.rendered.values()} == expected


CLASS_ATTRIBUTES = '''import traitlets
from x import helper, Model


class App(Base):
    """doc"""

    port = traitlets.Integer(
        8888, config=True,
        help="the port",  # a comment inside
    )
    kind: "Model" = traitlets.Unicode(
        "x")
    short = traitlets.Bool(True)
    first = traitlets.Unicode(
        "a"); second = 2
    lazy = traitlets.List(
        [n for n in range(3)])
    obj.attr = helper(
        1)
    focused = helper(
        2)

    def run(self):
        return helper(self.port)
'''


def test_a_kept_class_keeps_its_one_line_attributes_and_stubs_the_others() -> None:
    piece = make_slice(CLASS_ATTRIBUTES.encode(), [22, 25])  # `focused` and App.run
    assert piece is not None
    assert piece.restore(piece.text) == CLASS_ATTRIBUTES
    view = next(n for n in ast.parse(piece.text).body if isinstance(n, ast.ClassDef))
    lines = {getattr(n, "lineno"): ast.get_source_segment(piece.text, n) for n in view.body}
    text = "\n".join(s for s in lines.values() if s)
    # the multi-line attributes alone on their lines bind the same name and read the same names
    assert "port = (traitlets,)" in text and "kind = (Model, traitlets,)" in text
    # the others stay as they are: one line, a line shared with `;`, a comprehension, not a name,
    # a line a fix may touch
    for kept in ("short = traitlets.Bool(True)", "second = 2", "[n for n in range(3)]", "obj.attr = helper(",
                 "focused = helper(", "return helper(self.port)"):
        assert kept in piece.text
    assert piece.lines[22] and piece.lines[25]

"""request_names answers "which name of the work is bound to the request" as libcst's scope
analysis does (QualifiedNameProvider), or says it cannot tell: checked on the shapes that could
make the two differ."""
from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from greenit_async_lint.fix.movable import names_in
from greenit_async_lint.fix.request_names import request_object_name
from greenit_async_lint.fix.source import SourceFile

REQUEST = ("flask.request", "flask.flash", "flask.session")
HEAD = "from flask import flash, request as req\nimport flask\nimport os\n\nLIMIT = 3\n\n\n"

BODIES = {
    "flash imported": "def view():\n    os.remove('x')\n    flash('done')\n",
    "aliased request": "def view():\n    data = req.form\n    os.remove(data['x'])\n",
    "a local named flash": "def view():\n    flash = print\n    flash('done')\n",
    "an attribute named flash": "def view(store):\n    store.flash('done')\n",
    "a keyword named flash": "def view():\n    os.remove(path='x', flash=1)\n",
    "flask.flash as an attribute": "def view():\n    flask.flash('done')\n",
    "a comprehension's flash": "def view(items):\n    [flash for flash in items]\n    flash('x')\n",
    "an import inside": "def view():\n    from flask import request\n    request.form\n",
    "a global": "def view():\n    global flash\n    flash('x')\n",
    "nothing bound to the request": "def view(path):\n    os.remove(path)\n    return LIMIT\n",
    "a method of a class": "class View:\n    def post(self):\n        flash(self.x)\n",
    "nested in a function": "def make(flash):\n    def view():\n        flash('x')\n    return view\n",
}


def _slow(source: SourceFile, roots: list[cst.CSTNode]) -> object:
    return next((name for name in names_in(roots) for q in source.qualified_names(name)
                 if any(q == r or q.startswith(r + ".") for r in REQUEST)), False)


def _function(module: cst.Module) -> cst.FunctionDef:
    found: list[cst.FunctionDef] = []

    class Visitor(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            if node.name.value in ("view", "post"):
                found.append(node)

    module.visit(Visitor())
    return found[0]


@pytest.mark.parametrize("tail", [HEAD, HEAD.replace("import os\n", "import os\ntry:\n    import ujson\nexcept ImportError:\n    ujson = None\n")])
@pytest.mark.parametrize("body", BODIES.values(), ids=list(BODIES))
def test_the_answer_is_libcsts_or_none(tail: str, body: str) -> None:
    source = SourceFile(Path("/nowhere/mod.py"), "mod.py", (tail + body).encode(), None)
    assert source.module is not None
    function = _function(source.module)
    assert isinstance(function.body, cst.IndentedBlock)
    roots: list[cst.CSTNode] = list(function.body.body)
    fast = request_object_name(source, function, roots, REQUEST)
    if fast is not None:
        assert fast is _slow(source, roots) or (fast is False and _slow(source, roots) is False)


def test_it_answers_the_plain_cases_itself() -> None:
    """Without this, the test above would pass with a function that always says None."""
    for body, expected in (("flash imported", "flash"), ("aliased request", "req"),
                           ("nothing bound to the request", False), ("a local named flash", False)):
        source = SourceFile(Path("/nowhere/mod.py"), "mod.py", (HEAD + BODIES[body]).encode(), None)
        assert source.module is not None
        function = _function(source.module)
        assert isinstance(function.body, cst.IndentedBlock)
        found = request_object_name(source, function, list(function.body.body), REQUEST)
        assert (found.value if isinstance(found, cst.Name) else found) == expected, body

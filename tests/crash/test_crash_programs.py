"""Generated programs (hypothesmith) through the whole engine never crash it: each program as a
module next to a Flask handler that calls what it defines, and as the body of a handler itself.

A few hundred programs in the default run (derandomised, so a failure reproduces); with
`GREENIT_NIGHTLY=1`, thousands, freshly drawn."""
from __future__ import annotations

import ast
import tempfile
import textwrap
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings

from crashkit import NIGHTLY
from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.catalogue import default_catalogue
from greenit_async_lint.config import Config

CATALOGUE = default_catalogue()
# Drawing the programs costs far more than checking them (0.02 s a check): from the grammar about
# 0.05 s a program without Hypothesis's steering towards long programs (which doubles it), from
# syntax trees about 0.4 s. The default run draws 200 short programs from the grammar and 10
# from syntax trees, in about 15 s; nightly, 2,500 programs steered towards long ones.
FROM_GRAMMAR, FROM_NODES = (2000, 500) if NIGHTLY else (200, 10)


def _settings(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, database=None, derandomize=not NIGHTLY,
                    suppress_health_check=list(HealthCheck))

HEADER = "import subprocess\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n"


def _defined_functions(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def as_projects(source: str) -> dict[str, str]:
    """The program as a helper module a handler calls into, and as a handler's own body."""
    calls = "".join(f"    generated.{name}(request.args)\n" for name in _defined_functions(source)[:20])
    views = (HEADER.replace("from flask", "import generated\nfrom flask") + '@app.post("/run")\ndef run():\n'
             + calls + '    subprocess.run(["soffice", "--convert-to", "pdf", "x"])\n    return "ok"\n')
    body = HEADER + '@app.post("/inline")\nasync def inline():\n' + textwrap.indent(source or "pass\n", "    ")
    return {"generated.py": source, "views.py": views, "inline.py": body}


# Generated code is full of odd escapes: the warnings Python gives while parsing it are expected.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")


def check_never_crashes(source: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "pyproject.toml").write_text('[project]\nname = "generated"\n')
        for name, text in as_projects(source).items():
            (root / name).write_text(text, "utf-8", errors="surrogatepass")
        report = analyse(["."], Config(cache=False, jobs=1), cwd=root, catalogue=CATALOGUE)
        # The handler's own conversion is always found: a generated neighbour loses nothing.
        assert any(f.path == "views.py" and f.code == "GAL101" for f in report.findings), report.findings
        assert all(f.severity != "error" or f.code.startswith("GAL9") for f in report.findings)


@_settings(FROM_GRAMMAR)
@given(hypothesmith.from_grammar(auto_target=NIGHTLY))
def test_programs_from_the_grammar_never_crash_the_engine(source: str) -> None:
    check_never_crashes(source)


@_settings(FROM_NODES)
@given(hypothesmith.from_node())
def test_programs_from_syntax_trees_never_crash_the_engine(source: str) -> None:
    check_never_crashes(source)


def test_the_wrapping_really_reaches_the_generated_code() -> None:
    """Not vacuous: a generated function that converts a document is reported through the handler."""
    projects = as_projects("import subprocess\n\ndef work(x):\n    subprocess.run(['soffice', x])\n")
    assert "generated.work(request.args)" in projects["views.py"]
    assert projects["inline.py"].endswith("    def work(x):\n        subprocess.run(['soffice', x])\n")

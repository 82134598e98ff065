"""Files written for a newer Python than the one running the checker are still analysed.

Each case is a Flask view module in a newer syntax and its twin in the old syntax: the checker
must report the same findings, on the same lines, for both (issue: handlers vanished when `ast`
rejected a 3.12 f-string). The new syntax is run on whatever Python runs the tests: on 3.12+ some
cases are plain `ast` files, which must of course give the same answer.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from greenit_async_lint.analysis.newsyntax import NewerSyntax, downgrade, full_rewrite, needed_python

APP = """\
from flask import Flask
import subprocess

app = Flask(__name__)
{defs}

@app.route("/convert/<name>")
def convert(name):
    row = {{"id": name}}
    label = {label}
{body}
    subprocess.run(["soffice", "--convert-to", "pdf", row["id"]])
    return label
"""

CASES = {
    # PEP 701 (3.12): the same quotes inside an f-string's expression
    "pep701": dict(new=dict(defs="", label='f"{row["id"]}: {", ".join([row["id"], "x"])}"', body=""),
                   old=dict(defs="", label="f\"{row['id']}: {', '.join([row['id'], 'x'])}\"", body="")),
    # PEP 701: nested f-strings with the same quotes, two levels deep
    "pep701-nested": dict(new=dict(defs="", label='f"{f"{f"{row["id"]}"}"}"', body=""),
                          old=dict(defs="", label="str(row['id'])", body="")),
    # PEP 695 (3.12): type parameters and type aliases
    "pep695": dict(new=dict(defs="type Rows[K] = dict[K, str]\n\ndef first[T](items: list[T]) -> T:\n    return items[0]\n\n"
                               "class Box[T: int]:\n    pass\n",
                            label="first([name])", body=""),
                   old=dict(defs="Rows = dict\n\ndef first(items):\n    return items[0]\n\n"
                                 "class Box:\n    pass\n",
                            label="first([name])", body="")),
    # PEP 758 (3.14): except without parentheses
    "pep758": dict(new=dict(defs="", label="name", body="    try:\n        int(name)\n    except ValueError, TypeError:\n        pass"),
                   old=dict(defs="", label="name", body="    try:\n        int(name)\n    except (ValueError, TypeError):\n        pass")),
    # PEP 750 (3.14): template strings
    "pep750": dict(new=dict(defs="", label='t"{name}"', body=""),
                   old=dict(defs="", label='f"{name}"', body="")),
}


def _check(folder: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "greenit_async_lint", "check", str(folder), "--format", "json",
                           "--no-cache"], capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def _write(folder: Path, parts: dict) -> None:
    folder.mkdir()
    (folder / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (folder / "views.py").write_text(APP.format(**parts))


@pytest.mark.parametrize("case", sorted(CASES))
def test_new_syntax_reports_like_old_syntax(tmp_path: Path, case: str) -> None:
    _write(tmp_path / "new", CASES[case]["new"])
    _write(tmp_path / "old", CASES[case]["old"])
    new, old = _check(tmp_path / "new"), _check(tmp_path / "old")

    def seen(report: dict) -> list[tuple]:
        return sorted((Path(f["path"]).name, f["line"], f["code"], f["severity"]) for f in report["findings"])

    assert seen(old), "the old-syntax twin must have the soffice finding"
    assert seen(new) == seen(old)
    assert [h["qualname"] for h in new["handlers"]] == [h["qualname"] for h in old["handlers"]] == ["convert"]


def test_downgrade_keeps_lines_and_says_what_it_used() -> None:
    text = textwrap.dedent('''\
        def first[T](items: list[T]) -> T:
            return items[0]
        x = f"{first(["a"])}"
        try:
            pass
        except ValueError, TypeError:
            pass
        ''')
    code, features = downgrade(text)
    assert code.count("\n") == text.count("\n")
    assert features == {"pep695", "pep701", "pep758"}
    assert needed_python(features) == "3.14"
    tree = compile(code, "x.py", "exec", flags=0x400, dont_inherit=True)  # ast.PyCF_ONLY_AST
    call_lines = sorted({n.lineno for n in __import__("ast").walk(tree) if type(n).__name__ == "Call"})
    assert call_lines == [3]


def test_a_real_syntax_error_is_still_gal901(tmp_path: Path) -> None:
    with pytest.raises(NewerSyntax):
        downgrade("def broken(:\n    pass\n")
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (folder / "views.py").write_text("def broken(:\n    pass\n")
    (folder / "models.py").write_text("x = 1\n")  # a run where every file was skipped exits 2
    report = _check(folder)
    problems = [p for p in report.get("problems", report.get("errors", []))] or \
        [f for f in report["findings"] if f["code"] == "GAL901"]
    assert any("GAL901" in json.dumps(p) for p in problems), report


def _oldest_interpreter() -> str | None:
    """A Python of the oldest version pyproject.toml supports, if this machine has one."""
    import re
    import shutil
    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text("utf-8")
    oldest = re.search(r'requires-python\s*=\s*">=\s*(\d+\.\d+)"', text).group(1)
    candidates = sorted(str(p) for p in Path.home().glob(f".pyenv/versions/{oldest}.*/bin/python{oldest}"))
    candidates.append(shutil.which(f"python{oldest}"))
    for candidate in filter(None, candidates):  # a pyenv shim exists even when that version is not active
        if subprocess.run([candidate, "--version"], capture_output=True, timeout=30).returncode == 0:
            return candidate
    return None


@pytest.fixture(scope="module")
def oldest_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A venv of the oldest supported Python with this checkout installed (about a minute, once)."""
    interpreter = _oldest_interpreter()
    if interpreter is None:
        pytest.skip("no interpreter of the oldest supported Python on this machine")
    venv = tmp_path_factory.mktemp("oldest") / "venv"
    subprocess.run([interpreter, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([python, "-m", "pip", "install", "-q", str(root)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return python


def test_every_newer_syntax_on_the_oldest_supported_python(tmp_path: Path, oldest_python: str) -> None:
    """The same twins, checked by the oldest Python the project supports (it knows none of the
    newer syntax, and 3.10 does not know `except*` either)."""
    cases = dict(CASES)
    cases["except-star"] = dict(
        new=dict(defs="", label="name", body="    try:\n        int(name)\n    except* ValueError:\n        pass"),
        old=dict(defs="", label="name", body="    try:\n        int(name)\n    except ValueError:\n        pass"))
    for case, twins in sorted(cases.items()):
        for side in ("new", "old"):
            _write(tmp_path / f"{case}-{side}", twins[side])
        reports = {}
        for side in ("new", "old"):
            proc = subprocess.run([oldest_python, "-m", "greenit_async_lint", "check", str(tmp_path / f"{case}-{side}"),
                                   "--format", "json", "--no-cache"], capture_output=True, text=True, timeout=120)
            assert proc.returncode in (0, 1), proc.stderr
            reports[side] = sorted((f["line"], f["code"], f["severity"]) for f in json.loads(proc.stdout)["findings"])
        assert reports["old"], case
        assert reports["new"] == reports["old"], case


def test_deep_nesting_never_reaches_libcst() -> None:
    """libcst's native parser would crash the process; `ast`'s depth limits are not newer syntax."""
    with pytest.raises(NewerSyntax):
        downgrade("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    with pytest.raises(NewerSyntax):
        downgrade("x = 1\n", "too many nested parentheses")


def test_nul_bytes_never_reach_libcst() -> None:
    with pytest.raises(NewerSyntax):
        downgrade("x = 1\x00\ny = f'{x}'\n")


BARE_EXCEPTS = {
    "spaced": "try:\n    go()\nexcept  a.B ,  C  :  # two\n    pass\nexcept (D, E):\n    pass\n",
    "nested": "def f():\n    try:\n        go()\n    except ValueError, zlib.error: pass\n"
              "    try:\n        go()\n    except   KeyError,TypeError:\n        pass\n",
    # a line of a string that reads like a handler: not a handler, the string is kept as written
    "in a string": 'DOC = """\nexcept A, B:\n"""\ntry:\n    go()\nexcept C, D:\n    pass\n',
    # `except*` is rewritten to `except` as well, however it is spaced, with or without a tuple
    "with except*": "try:\n    go()\nexcept* A:\n    pass\ntry:\n    go()\nexcept B, C:\n    pass\n",
    "except* tuples": "try:\n    go()\nexcept *A, B:\n    pass\nexcept*C,D:\n    pass\nexcept * (E, F):\n    pass\n",
    # a non-ASCII name before the tuple: the columns of `ast` count bytes
    "non-ascii": "try:\n    go()\nexcept é, C:\n    pass\n",
}


@pytest.mark.parametrize("case", sorted(BARE_EXCEPTS))
def test_bare_except_tuples_read_as_the_full_rewrite_reads_them(case: str) -> None:
    """`except A, B:` (3.14) is parenthesised without libcst when the line reads plainly: the
    text handed to `ast`, and the features named, are the ones the libcst rewrite gives."""
    text = BARE_EXCEPTS[case]
    with pytest.raises(SyntaxError) as raised:
        compile(text, "<case>", "exec", dont_inherit=True)
    assert downgrade(text, raised.value.msg) == full_rewrite(text)
    assert downgrade(text, raised.value.msg)[1] == ({"pep758", "except*"} if "*" in text else {"pep758"})


def test_only_plain_bare_except_tuples_skip_libcst() -> None:
    from greenit_async_lint.analysis.quickstatements import rewritten_statements
    taken = {case for case, text in BARE_EXCEPTS.items() if rewritten_statements(text) is not None}
    assert taken == {"nested", "non-ascii", "with except*", "except* tuples"}


TYPE_PARAMETERS = {
    "function": "def first[T](items: list[T]) -> T:\n    return items[0]\n",
    "bounds, star and default": "async def f[T: int, *Ts, **P, U=str](x):\n    pass\n",
    "class with bases": "class Box[T](Base, metaclass=Meta):\n    pass\n",
    "class without bases": "class Box[T]:\n    pass\n",
    "decorated, non-ascii name": "@cache\ndef \u00e9[T](x: T) -> list[T]:\n    return [x]\n",
    "aliases": "type Row = tuple[str, int]  # one row\ntype   Pair[T]   =   tuple[T, T]\ntype Many = (\n    list[Row]\n)\n",
    "in a class": "class C:\n    type Key = str\n    def get[T](self, d: dict[Key, T]) -> T: ...\n",
    "with bare excepts": "type Key = str\ntry:\n    go()\nexcept A, B:\n    pass\n",
    # left to libcst: a string in the list, a list over two lines, a space before the list, a
    # line of a string that reads like a generic definition (the tree proves it is not one)
    "string in the list": "def f[T: ('a', int)](x):\n    pass\n",
    "list over two lines": "def f[\n    T,\n](x):\n    pass\n",
    "space before the list": "class Box [T]:\n    pass\n",
    "in a string": 'DOC = """\ndef f[T](x):\n"""\ndef g[T](x):\n    pass\n',
}


@pytest.mark.parametrize("case", sorted(TYPE_PARAMETERS))
def test_type_parameters_read_as_the_full_rewrite_reads_them(case: str) -> None:
    """Type parameters (3.12) are dropped without libcst when the line reads plainly: the text
    handed to `ast`, and the features named, are the ones the libcst rewrite gives."""
    from greenit_async_lint.analysis.quickstatements import rewritten_statements
    text = TYPE_PARAMETERS[case]
    if sys.version_info < (3, 12):
        with pytest.raises(SyntaxError) as raised:
            compile(text, "<case>", "exec", dont_inherit=True)
        assert downgrade(text, raised.value.msg, raised.value.lineno or 0) == full_rewrite(text)
    taken = rewritten_statements(text)
    left = {"string in the list", "list over two lines", "space before the list", "in a string"}
    assert (taken is None) == (case in left)
    if taken is not None:
        assert taken == full_rewrite(text)
        assert "pep695" in taken[1]
        assert taken[0].count("\n") == text.count("\n")


REUSED_QUOTES = {
    "simple": "row = {}\nlabel = f'id {row['id']}'\n",
    "two on a line": "d = {}\nx = (f'{d['a']}', f\"{d['b']}\", f'{d['c']:>10}', f'{d['e']!r}')  # it's\n",
    "two lines": "d = {}\nx = f\"{d[\"a\"]}\"\ny = 1\nz = f'{', '.join(d)}'\n",
    # the inner string holds the other quote: libcst triples the outer quotes
    "other quote inside": "d = {}\nx = f'{d[\"it's\"]}'\n",
    "nested f-string": "x = 1\ny = f'{f'{x}'}'\n",
    "escaped inner string": "d = {}\nx = f'{d['a\\'b']}'\n",
    # the line starts inside a string: read from its start it may be misread; here a `#` in that
    # string ends the reading (libcst decides), there the reading is right (the tree proves it)
    "after a multi-line string": "d = {}\nx = '''a\n#''' + f'{d['k']}'\n",
    "after a multi-line string, read right": "d = {}\nx = '''a\nit's''' + f'{d['k']}'\n",
}


@pytest.mark.parametrize("case", sorted(REUSED_QUOTES))
def test_reused_fstring_quotes_read_as_the_full_rewrite_reads_them(case: str) -> None:
    """`f'{row['id']}'` (3.12) gets its inner quotes swapped without libcst when the line reads
    plainly: the text handed to `ast` is the one the libcst rewrite gives."""
    from greenit_async_lint.analysis.quicksyntax import requoted_fstrings
    text = REUSED_QUOTES[case]
    with pytest.raises(SyntaxError) as raised:
        compile(text, "<case>", "exec", dont_inherit=True)
    msg, line = raised.value.msg, raised.value.lineno
    assert downgrade(text, msg, line) == full_rewrite(text)
    taken = requoted_fstrings(text, msg, line) is not None
    assert taken == (case in {"simple", "two on a line", "two lines", "after a multi-line string, read right"})

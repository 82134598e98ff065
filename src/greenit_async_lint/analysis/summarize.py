"""Build a module summary (see ir.py) from source bytes, in one pass over the `ast` tree.

The stdlib `ast` parser is an order of magnitude faster than libcst, and the checker needs no
formatting; libcst is kept for the fixes, where formatting must survive.
"""
from __future__ import annotations

import ast
import sys
import warnings
from typing import Optional

from .expressions import BuildCtx
from .ir import FileProblem, Module, Scope
from .sourcetext import decode_source, noqa_map
from .statements import StatementBuilder


def _newer_python_tree(text: str, path: str, exc: SyntaxError) -> ast.Module | FileProblem:
    """The tree of a file this interpreter's `ast` rejects, read through a newer grammar
    (newsyntax.py); GAL901 when no grammar accepts it, naming the Python it would need."""
    from .newsyntax import NewerSyntax, downgrade, needed_python
    where = (exc.lineno or 1, max(exc.offset or 1, 1))
    try:
        code, features = downgrade(text, exc.msg or "", exc.lineno or 0)
    except NewerSyntax:
        return FileProblem(path, "GAL901", f"does not parse: {exc.msg}", *where)
    try:
        return ast.parse(code, filename=path)  # (warnings silenced by `summarize`)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        need = needed_python(features)
        running = ".".join(map(str, sys.version_info[:2]))
        hint = (f"it uses Python {need} syntax that Python {running} cannot read; run the check with "
                f"Python {need} or newer: `python{need} -m pip install greenit-async-lint` then "
                f"`python{need} -m greenit_async_lint check`") if need else f"Python {running} cannot read it"
        return FileProblem(path, "GAL901", f"does not parse: {exc.msg} ({hint})", *where)


def summarize(data: bytes, path: str, module: str, is_package: bool,
              tree: Optional[ast.Module] = None) -> Module | FileProblem:
    """Summarise one file's bytes; a file that cannot be analysed gives a FileProblem.

    `tree`, when given, is the file's already-parsed tree (flake8 passes its own) and is used
    instead of parsing `data` again; `data` still gives the `# noqa` comments."""
    # The project's SyntaxWarnings (`1()`, `x is "a"`, an invalid escape) are not ours to print:
    # not from its parse, nor from its string annotations (parsed while building), nor from a
    # newer-syntax file's rewritten copy.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _summarize(data, path, module, is_package, tree)


def _summarize(data: bytes, path: str, module: str, is_package: bool,
               tree: Optional[ast.Module]) -> Module | FileProblem:
    is_init = path.rsplit("/", 1)[-1] == "__init__.py"
    try:
        text = decode_source(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return FileProblem(path, "GAL902", f"cannot be decoded: {exc}")
    if not text.strip() and not is_init:
        return FileProblem(path, "GAL905", "is empty")
    try:
        parsed = tree if tree is not None else ast.parse(text, filename=path)
    except SyntaxError as exc:
        newer = _newer_python_tree(text, path, exc)
        if isinstance(newer, FileProblem):
            return newer
        parsed = newer
    except (ValueError, RecursionError, MemoryError) as exc:
        return FileProblem(path, "GAL901", f"does not parse: {type(exc).__name__}: {exc}")
    package = module if is_package else module.rpartition(".")[0]
    builder = StatementBuilder(module, package)
    scope = Scope("<module>")
    try:
        builder.body(parsed.body, BuildCtx(scope, "", None, None))
    except RecursionError:
        return FileProblem(path, "GAL901", "is too deeply nested to analyse")
    return Module(module, path, is_package, scope, builder.functions, builder.classes, builder.star_imports,
                  frozenset(builder.tails), noqa_map(text))

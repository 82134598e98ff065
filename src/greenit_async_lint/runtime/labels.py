"""Names for what the hook saw: project-relative paths, handler identities and the blocking leaf call.

Runs only on the watchdog thread when a report is written, never on a request: reading source
lines and parsing imports is far too slow for the hot path. The leaf call is classified with the
static checker's work catalogue (`greenit_async_lint.catalogue`); without it, calls are named but
not labelled.
"""
from __future__ import annotations

import ast
import functools
import inspect
import linecache
import os
import sys
import sysconfig
import threading
from typing import Any

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))
_STDLIB = {os.path.abspath(p) for p in (sysconfig.get_paths().get("stdlib"), sysconfig.get_paths().get("platstdlib")) if p}
_LIB_MARKERS = (f"{os.sep}site-packages{os.sep}", f"{os.sep}dist-packages{os.sep}")
MAX_TEXT = 200


class Paths:
    """In-app tests and relative names for source files, cached per filename."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root or os.getcwd())
        self._in_app: dict[str, bool] = {}

    def in_app(self, filename: str) -> bool:
        hit = self._in_app.get(filename)
        if hit is None:
            path = os.path.abspath(filename)
            hit = (
                not filename.startswith("<")
                and path.startswith(self.root + os.sep)
                and not any(m in path for m in _LIB_MARKERS)
                and not path.startswith(_PKG_DIR + os.sep)
                and not any(path.startswith(s + os.sep) for s in _STDLIB)
            )
            if len(self._in_app) < 10_000:
                self._in_app[filename] = hit
        return hit

    def rel(self, filename: str) -> str:
        """Project-relative with '/' when in-app; libraries collapsed to <site-packages>/…, <stdlib>/…;
        any other file relative to the import path entry it was loaded from (<python-path>/pkg/mod.py),
        else its name alone (<external>/mod.py): a report never carries a machine's absolute paths."""
        if filename.startswith("<"):
            return filename
        path = os.path.abspath(filename)
        for marker in _LIB_MARKERS:
            if marker in path:
                return "<site-packages>/" + path.split(marker, 1)[1].replace(os.sep, "/")
        for std in _STDLIB:
            if path.startswith(std + os.sep):
                return "<stdlib>/" + os.path.relpath(path, std).replace(os.sep, "/")
        if path.startswith(self.root + os.sep):
            return os.path.relpath(path, self.root).replace(os.sep, "/")
        entries = [os.path.abspath(e) for e in sys.path if e and isinstance(e, str)]
        best = max((e for e in entries if path.startswith(e.rstrip(os.sep) + os.sep)), key=len, default=None)
        if best is not None and best != os.sep:
            return "<python-path>/" + os.path.relpath(path, best).replace(os.sep, "/")
        return "<external>/" + os.path.basename(path)


def clean_qualname(qualname: str) -> str:
    """`outer.<locals>.inner` -> `outer.inner`, the form the static checker uses."""
    return qualname.replace(".<locals>", "")


def describe_handler(obj: Any, method: str, paths: Paths) -> dict[str, Any] | None:
    """{qualname, path, line} for a view function, a Django class-based view or a bound method."""
    if obj is None:
        return None
    view_class = getattr(obj, "view_class", None)  # Django's as_view() wrapper
    if view_class is not None:
        obj = getattr(view_class, method.lower(), None) or getattr(view_class, "dispatch", view_class)
    while isinstance(obj, functools.partial):
        obj = obj.func
    try:
        obj = inspect.unwrap(obj)
    except ValueError:
        pass
    obj = getattr(obj, "__func__", obj)
    code = getattr(obj, "__code__", None)
    if code is None:
        return None
    return {
        "qualname": clean_qualname(getattr(obj, "__qualname__", code.co_name))[:MAX_TEXT],
        "path": paths.rel(code.co_filename),
        "line": def_line(code.co_filename, code.co_firstlineno),
    }


def def_line(filename: str, first: int) -> int:
    """The `def` line of a function whose code starts at its first decorator."""
    for lineno in range(first, first + 50):
        text = linecache.getline(filename, lineno).lstrip()
        if not text:
            break
        if text.startswith(("def ", "async def ")):
            return lineno
    return first


def source_line(filename: str, lineno: int) -> str:
    return linecache.getline(filename, lineno).strip()[:MAX_TEXT]


@functools.lru_cache(maxsize=256)
def _imports(filename: str) -> dict[str, str]:
    """Local name -> qualified name from a module's imports, to resolve `sh(...)` to `subprocess.run`."""
    names: dict[str, str] = {}
    try:
        with open(filename, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
    except (OSError, SyntaxError, ValueError):
        return names
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def calls_on_line(filename: str, lineno: int) -> list[str]:
    """Qualified names of the calls written on a source line, outermost first."""
    text = source_line(filename, lineno).removeprefix("return ").removeprefix("await ")
    text = text.split("=", 1)[1].strip() if _is_assignment(text) else text
    try:
        tree = ast.parse(text.removeprefix("await ").rstrip(":"), mode="eval")
    except SyntaxError:
        return []
    imports = _imports(filename)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            dotted = _dotted(node.func)
            if dotted:
                head, _, rest = dotted.partition(".")
                head = imports.get(head, head)
                found.append(f"{head}.{rest}" if rest else head)
    return found


def _is_assignment(text: str) -> bool:
    head = text.split("(", 1)[0]
    return "=" in head and "==" not in head


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def module_names() -> dict[str, str]:
    """Source file -> module name, from the modules loaded now."""
    out = {}
    for name, module in list(sys.modules.items()):
        filename = getattr(module, "__file__", None)
        if filename:
            out[os.path.abspath(filename)] = name
    return out


_MATCHER: list[Any] = []  # loaded once per process: parsing the catalogue costs ~0.5 s of CPU


def load_matcher() -> Any:
    """The static checker's work-catalogue matcher, or None while it is unavailable (no labels then).

    Cached: reloading it on every shard write cost half a second of watchdog time per flush (5 % of
    a core at the 10 s default), and the watchdog was blind to loop stalls meanwhile.
    """
    if _MATCHER:
        return _MATCHER[0]
    try:
        from greenit_async_lint.catalogue import load_catalogue  # type: ignore[import-not-found]

        match = load_catalogue().work.match
    except Exception:
        return None  # not cached: a catalogue being edited may load next time
    if not _MATCHER:
        _MATCHER.append(match)
    return match


_PRELOADING: list[int] = []  # pid of the process whose loader thread runs (a forked child has none)


def cached_matcher() -> Any:
    """The matcher if already loaded, else None at once (and its loading starts on a side thread):
    the watchdog must keep ticking while the catalogue is parsed."""
    if _MATCHER:
        return _MATCHER[0]
    if os.getpid() not in _PRELOADING:
        _PRELOADING[:] = [os.getpid()]
        threading.Thread(target=load_matcher, name="greenit-runtime-catalogue", daemon=True).start()
    return None


def _public(name: str) -> str:
    """`httpx._api.get` -> `httpx.get`: private modules re-exported by their package."""
    return ".".join(part for part in name.split(".") if not part.startswith("_") or part.startswith("__"))


def label_leaf(stack: tuple, paths: Paths, modules: dict[str, str], match: Any) -> dict[str, Any] | None:
    """Label a sampled stack (innermost first): the in-app call site and the blocking call it made.

    Candidates, most telling first: calls written on the in-app line (resolved through the module's
    imports; the only way to see C functions such as `time.sleep`), then library frames from the
    one the app called inwards as `module.qualname`. The first the catalogue knows wins.
    """
    if not stack:
        return None
    app = next((i for i, frame in enumerate(stack) if paths.in_app(frame[0])), None)
    site = stack[app] if app is not None else stack[0]
    line_calls = calls_on_line(site[0], site[1]) if app is not None else []
    imports = _imports(site[0]) if app is not None else {}
    resolved = [c for c in line_calls if c.split(".")[0] in imports.values() or c.split(".")[0] in sys.modules]
    library = []
    for filename, _line, qualname in reversed(stack[:app] if app is not None else stack):
        module = modules.get(os.path.abspath(filename))
        if module and module != "__main__":
            library.append(f"{module}.{clean_qualname(qualname)}")
    candidates = resolved + library + [_public(n) for n in library] + line_calls
    leaf: dict[str, Any] = {"path": paths.rel(site[0]), "line": site[1], "call": None}
    for name in candidates if match is not None else ():
        try:
            hit = match(name)
        except Exception:
            hit = None
        if hit is not None:
            leaf["call"] = name
            for attr in ("family", "weight", "code"):
                value = getattr(hit, attr, None)
                leaf[attr] = value if value is None or isinstance(value, (str, int, float)) else str(value)
            break
    else:
        leaf["call"] = next(iter(resolved or library or line_calls), None)
    leaf["function"] = clean_qualname(site[2])
    leaf["source"] = source_line(site[0], site[1]) or None
    if app is not None and app > 0:
        inner = stack[0]
        leaf["innermost"] = {"path": paths.rel(inner[0]), "line": inner[1], "function": clean_qualname(inner[2])}
    return leaf

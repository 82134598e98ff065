"""The part of a file the codemods parse: its module-level statements and the functions the fixes
touch, with every other function and class reduced to a one-line stub.

libcst costs about 100x `ast` on a large module once positions, parents, scopes and qualified
names are resolved (a 5,000-line views module: 4 s). The codemods only read the functions on a
finding's chain, the module's imports and which names the module binds; so the file they parse
keeps those statements verbatim, at their own lines and columns, and replaces each other `def`
or `class` by a stub that binds the same name (`def name(): pass`), keeping its `global`
statements (they decide whether a module-level name is constant) and reading every name the
original reads (so that an import it uses is still used). Each stub ends with a marker
comment naming the original lines it stands for, so that the fixed slice is restored into the
fixed file exactly: a marker line becomes the original lines again, any other line is new code.
`Slice.lines` maps the kept lines to their place in the slice (findings name original lines).

When the fixes move or drop a marker (an import removed together with the comments above it),
`restore` raises `SliceLost` and the caller parses the whole file instead. Files with an encoding
other than UTF-8, a byte-order mark, a syntax `ast` rejects, or a marker-like comment of their
own are never sliced.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Iterable, Optional

MARK = "#@gal-slice "
_MARKED = re.compile(r"#@gal-slice (\d+)-(\d+)[ \t]*$")
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class SliceLost(Exception):
    """The fixed slice no longer holds every stub marker in order: parse the whole file."""

    def __init__(self, message: str, path: object = None) -> None:
        super().__init__(message)
        self.path = path


def split_lines(text: str) -> list[str]:
    """Lines as Python counts them (`\\n`, `\\r\\n`, `\\r`), with their endings. `str.splitlines`
    also splits at form feeds and other separators, which would shift every line after them."""
    return _LINES.findall(text)


@dataclass
class Slice:
    text: str  # what libcst parses
    original: str  # the whole file
    stubs: list[tuple[int, int]]  # the original lines (first, last) each stub stands for, in order
    lines: dict[int, int]  # original line -> its line in `text` (kept lines only)

    def restore(self, fixed: str) -> str:
        """The whole fixed file from the fixed slice (see the module docstring)."""
        lines = split_lines(self.original)
        out: list[str] = []
        seen: list[tuple[int, int]] = []
        for line in split_lines(fixed):
            found = _MARKED.search(line.rstrip("\r\n"))
            if found is None:
                out.append(line)
                continue
            first, last = int(found.group(1)), int(found.group(2))
            seen.append((first, last))
            out.extend(lines[first - 1:last])
        if seen != self.stubs:
            raise SliceLost("the fixes moved lines the slice stands for")
        return "".join(out)


def _utf8(data: bytes) -> Optional[str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return None
    for line in data.split(b"\n", 2)[:2]:
        cookie = _CODING.match(line)
        if cookie and cookie.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
            return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def parse_for_slice(data: bytes) -> Optional[ast.Module]:
    """`data`'s `ast` tree (None when `ast` cannot read it): what make_slice reads, which the
    early refusals read too (astfile.py), parsed once for both.

    A file of a newer Python's syntax (`except A, B:` on 3.11) is read as the analysis read it:
    newsyntax.downgrade keeps every line where it was, and the findings' positions are that
    text's. Without it such a file was parsed whole by libcst for every fix, refused ones
    included (warehouse's upload view: 100 ms for three refusals)."""
    try:
        return ast.parse(data)
    except SyntaxError as exc:
        return _newer_python_tree(data, exc)
    except (ValueError, MemoryError, RecursionError):
        return None


def _newer_python_tree(data: bytes, exc: SyntaxError) -> Optional[ast.Module]:
    from ..analysis.newsyntax import NewerSyntax, downgrade
    from ..analysis.sourcetext import decode_source

    try:
        code, _features = downgrade(decode_source(data), exc.msg or "", exc.lineno or 0)
        return ast.parse(code)
    except (NewerSyntax, SyntaxError, UnicodeDecodeError, LookupError, ValueError, MemoryError, RecursionError):
        return None


def make_slice(data: bytes, focus: Iterable[int], tree: Optional[ast.Module] = None) -> Optional[Slice]:
    """The slice of `data` keeping the functions that hold a line of `focus`, or None when the
    file must be parsed whole (see the module docstring). `tree`: `data`'s, when parsed already."""
    text = _utf8(data)
    if text is None or MARK.strip() in text:
        return None
    tree = tree if tree is not None else parse_for_slice(data)
    if tree is None:
        return None
    lines = split_lines(text)
    wanted = sorted(set(focus))
    stubs: list[tuple[int, int, int, str]] = []  # (first line, def line, last line, stub code)
    _plan(tree.body, wanted, stubs, lines)
    out: list[str] = []
    mapping: dict[int, int] = {}
    number = 1
    for first, _def_line, last, stub in sorted(stubs):
        for kept in range(number, first):
            mapping[kept] = len(out) + 1
            out.append(lines[kept - 1])
        out.append(f"{stub}  {MARK}{first}-{last}{_ending(lines[last - 1]) or _newline(lines)}")
        number = last + 1
    for kept in range(number, len(lines) + 1):
        mapping[kept] = len(out) + 1
        out.append(lines[kept - 1])
    return Slice("".join(out), text, [(first, last) for first, _, last, _ in sorted(stubs)], mapping)


def _ending(line: str) -> str:
    return line[len(line.rstrip("\r\n")):]


def _newline(lines: list[str]) -> str:
    """The file's newline, for a stub on its last line when that line has none."""
    return _ending(lines[0]) or "\n"


def _plan(body: list[ast.stmt], wanted: list[int], stubs: list[tuple[int, int, int, str]],
          lines: list[str], in_class: bool = False) -> None:
    for index, node in enumerate(body):
        if in_class and not isinstance(node, _DEFS):
            stub = _attribute_stub(body, index, wanted, lines)
            if stub is not None:
                stubs.append((node.lineno, node.lineno, node.end_lineno or node.lineno, stub))
            continue
        if not isinstance(node, _DEFS) or node.end_lineno is None:
            continue
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        last = node.end_lineno
        if any(first <= line <= last for line in wanted):
            if isinstance(node, ast.ClassDef):
                _plan(node.body, wanted, stubs, lines, True)  # keep the class, stub its other methods
            continue
        stubs.append((first, node.lineno, last, _stub(node, lines[node.lineno - 1][:node.col_offset])))


_SCOPED = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.NamedExpr)


def _attribute_stub(body: list[ast.stmt], index: int, wanted: list[int], lines: list[str]) -> Optional[str]:
    """The one-line stand-in for a class attribute written on several lines (a Django field, a
    traitlet with its help text: most of a kept class), binding the same names and reading the
    same names; None for any other statement of a kept class, which stays as it is. Only plain
    `name = ...` (or `name: T = ...`) alone on its lines, holding no line of `wanted`, whose value
    binds no name of its own (no lambda, comprehension or `:=`)."""
    node = body[index]
    first, last = node.lineno, node.end_lineno
    if last is None or last == first or any(first <= line <= last for line in wanted):
        return None
    if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
        targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        targets = [node.target.id]
    else:
        return None
    if (index > 0 and (body[index - 1].end_lineno or 0) >= first) or \
            (index + 1 < len(body) and body[index + 1].lineno <= last):
        return None  # shares a line with another statement (`;`)
    head, tail = lines[first - 1].encode("utf-8"), lines[last - 1].encode("utf-8")
    rest = tail[node.end_col_offset or 0:].strip()
    if head[:node.col_offset].strip() or (rest and not rest.startswith(b"#")):
        return None
    names: set[str] = set(_annotation_names(node))
    stack: list[ast.AST] = [n for n in (node.value, getattr(node, "annotation", None)) if n is not None]
    while stack:
        sub = stack.pop()
        if isinstance(sub, _SCOPED):
            return None
        if isinstance(sub, ast.Name):
            names.add(sub.id)
        stack.extend(ast.iter_child_nodes(sub))
    value = f"({', '.join(sorted(names))},)" if names else "None"
    return f"{lines[first - 1][:node.col_offset]}{' = '.join(targets)} = {value}"


def _stub(node: ast.stmt, indent: str) -> str:
    """One line binding the same name as `node`, at its indentation (spaces or tabs, as the file
    has them), with its `global` declarations and a tuple of every name it reads: an import used
    only in a stubbed function is still used (no fix removes it)."""
    assert isinstance(node, _DEFS)
    globals_: set[str] = set()
    names: set[str] = set()
    # Every node of the function is visited (a fifth of a diff's planning on lnbits), in whatever
    # order: by type identity, and through the fields that can hold nodes only (_child_fields).
    stack: list[ast.AST] = [node]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        sub = pop()
        kind = type(sub)
        if kind is ast.Name:
            names.add(sub.id)  # type: ignore[attr-defined]
            continue  # (its one other field is its context)
        if kind is ast.Global:
            globals_.update(sub.names)  # type: ignore[attr-defined]
            continue
        if kind in _ANNOTATED and _may_hold_text(getattr(sub, "annotation", None) or getattr(sub, "returns", None)):
            names.update(_annotation_names(sub))
        for field in _CHILD_FIELDS.get(kind) or _child_fields(kind):
            value = getattr(sub, field, None)
            if type(value) is list:
                extend([item for item in value if isinstance(item, ast.AST)])
            elif isinstance(value, ast.AST):
                push(value)
    parts = []
    if globals_:
        parts.append(f"global {', '.join(sorted(globals_))}")
    if names - globals_:
        parts.append(", ".join(sorted(names - globals_)) + ",")
    body = "; ".join(parts) or "pass"
    if isinstance(node, ast.ClassDef):
        return f"{indent}class {node.name}: {body}"
    return f"{indent}def {node.name}(): {body}"


_ANNOTATED = frozenset({ast.arg, ast.FunctionDef, ast.AsyncFunctionDef, ast.AnnAssign})
# Fields that hold a string, a number or a context in every node type that has them (`Import`'s
# `names` holds `alias` nodes, which hold only strings): never a node the stub reads. (Not `name`:
# Python 3.12's `type X = ...` holds a Name there.)
_LEAF_FIELDS = frozenset({"ctx", "id", "attr", "arg", "names", "module", "level", "type_comment", "kind",
                          "conversion", "is_async", "asname", "simple", "tag"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(kind: type) -> tuple[str, ...]:
    fields = _CHILD_FIELDS[kind] = tuple(f for f in getattr(kind, "_fields", ()) if f not in _LEAF_FIELDS)
    return fields


def _may_hold_text(annotation: Optional[ast.AST]) -> bool:
    """Whether an annotation may hold a string (`"Model"`, `list["Model"]`): not a plain name nor
    a dotted one, the commonest, whose names the walk finds anyway."""
    while type(annotation) is ast.Attribute:
        annotation = annotation.value  # type: ignore[attr-defined]
    return annotation is not None and type(annotation) is not ast.Name


def _annotation_names(node: ast.AST) -> set[str]:
    """Names inside string annotations (`x: "Model"`), which count as uses of their imports."""
    out: set[str] = set()
    annotation = getattr(node, "annotation", None) or getattr(node, "returns", None)
    for sub in ast.walk(annotation) if annotation is not None else ():
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            try:
                parsed = ast.parse(sub.value, mode="eval")
            except (SyntaxError, ValueError, RecursionError):
                continue
            out.update(n.id for n in ast.walk(parsed) if isinstance(n, ast.Name))
    return out

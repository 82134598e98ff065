"""Source files for the codemods: parsed once with libcst, metadata resolved once, edits applied
in one pass, imports added and removed with libcst's helpers, unified diffs.

A `SourceFile` is read-only and shared by every fix planned on it. A `Changes` set collects the
edits of one or more fixes (node edits keyed by the original nodes, statements to append, imports
to add or remove) across files; `render` applies them in one traversal per file, then runs
`AddImportsVisitor` and `RemoveImportsVisitor`, so formatting and comments survive.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Optional, Union

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import (MetadataWrapper, ParentNodeProvider, PositionProvider, QualifiedNameProvider,
                             ScopeProvider)

from ..analysis.readfile import Unreadable, read_bytes
from ..analysis.discovery import module_name

NodeEdit = Callable[[cst.CSTNode, cst.CSTNode], Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel]]
SCOPE_NODES = (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


class SourceFile:
    """One file as the codemods see it. `module` is None when the file cannot be parsed (`error`)."""

    def __init__(self, path: Path, display: str, data: Optional[bytes]) -> None:
        self.path = path
        self.display = display
        self.exists = data is not None
        self.error: Optional[str] = None
        self.module: Optional[cst.Module] = None
        self.text = ""
        try:
            self.module = cst.parse_module(data or b"")
            self.text = self.module.code
        except (cst.ParserSyntaxError, UnicodeDecodeError, ValueError) as exc:
            self.error = f"libcst cannot parse it ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
        self._meta: Optional[dict] = None
        self._calls: Optional[dict[tuple[int, int], list[cst.Call]]] = None
        self._functions: Optional[dict[str, cst.FunctionDef]] = None
        self.name, self.is_package, self.import_root = module_name(path)

    # -- metadata ------------------------------------------------------------------------------
    def meta(self, provider: type) -> dict:
        """Metadata on the original tree. Positions and parents are cheap; scopes and qualified
        names (a scope analysis) are resolved only when a codemod first asks for them."""
        assert self.module is not None
        if self._meta is None:
            self._wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._meta = dict(self._wrapper.resolve_many([PositionProvider, ParentNodeProvider]))
        if provider not in self._meta:
            self._meta.update(self._wrapper.resolve_many([QualifiedNameProvider, ScopeProvider]))
        return self._meta[provider]  # type: ignore[no-any-return]

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return _value(self.meta(ParentNodeProvider).get(node))

    def ancestors(self, node: cst.CSTNode):
        current = self.parent(node)
        while current is not None:
            yield current
            current = self.parent(current)

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        return {q.name for q in _value(self.meta(QualifiedNameProvider).get(node)) or ()}

    def scope(self, node: cst.CSTNode):  # type: ignore[no-untyped-def]
        return _value(self.meta(ScopeProvider).get(node))

    def line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""

    # -- lookups -------------------------------------------------------------------------------
    def calls_at(self, line: int, byte_col: int) -> list[cst.Call]:
        """Calls whose callee starts at (line, 1-based UTF-8 column, as `ast` reports it), outer first."""
        if self.module is None:
            return []
        if self._calls is None:
            positions = self.meta(PositionProvider)
            index: dict[tuple[int, int], list[cst.Call]] = {}

            class Visitor(cst.CSTVisitor):
                def visit_Call(self, node: cst.Call) -> None:
                    # `ast` starts `(a / b).c()` at the parenthesis, libcst's node after it.
                    starts = {_value(positions[n]).start for n in _leftmost_path(node.func)}
                    for start in starts:
                        index.setdefault((start.line, start.column), []).append(node)

            self.module.visit(Visitor())
            self._calls = index
        raw = self.line_text(line).encode("utf-8")[: max(byte_col - 1, 0)]
        return list(self._calls.get((line, len(raw.decode("utf-8", errors="ignore"))), []))

    def function(self, qualname: str) -> Optional[cst.FunctionDef]:
        if self.module is None:
            return None
        if self._functions is None:
            found: dict[str, cst.FunctionDef] = {}
            stack: list[str] = []

            class Visitor(cst.CSTVisitor):
                def visit_ClassDef(self, node: cst.ClassDef) -> None:
                    stack.append(node.name.value)

                def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
                    stack.pop()

                def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
                    stack.append(node.name.value)
                    found.setdefault(".".join(stack), node)

                def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
                    stack.pop()

            self.module.visit(Visitor())
            self._functions = found
        return self._functions.get(qualname)

    def enclosing_scope(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        """The innermost function, lambda, class or comprehension around `node`."""
        return next((a for a in self.ancestors(node) if isinstance(a, SCOPE_NODES)), None)


def _value(value):  # type: ignore[no-untyped-def]
    """Metadata values may be computed lazily (libcst >= 1.0 wraps some in a LazyValue)."""
    if value is not None and type(value).__name__ == "LazyValue":
        return value()
    return value


def _leftmost_path(expr: cst.CSTNode) -> list[cst.CSTNode]:
    """The nodes from a callee down to its first token, then the outermost parenthesis on the way."""
    path: list[cst.CSTNode] = []
    while True:
        path.append(expr)
        if isinstance(expr, cst.Attribute):
            expr = expr.value
        elif isinstance(expr, cst.Call):
            expr = expr.func
        elif isinstance(expr, cst.Subscript):
            expr = expr.value
        else:
            break
    starts: list[cst.CSTNode] = [path[-1]]
    paren = next((n.lpar[0] for n in path if getattr(n, "lpar", None)), None)  # type: ignore[attr-defined]
    if paren is not None:
        starts.append(paren)
    return starts


def package_parts(source: SourceFile) -> list[str]:
    parts = source.name.split(".")
    if source.is_package:
        return parts
    return parts[:-1] if _in_package(source) else []


def _in_package(source: SourceFile) -> bool:
    return (source.path.parent / "__init__.py").exists()


def absolute_module(source: SourceFile, level: int, module: str) -> Optional[str]:
    """The absolute name of `from <level dots><module> import ...` written in `source`."""
    if level == 0:
        return module
    package = package_parts(source)
    if level - 1 > len(package) or (level - 1 == len(package) and not module):
        return None
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, *([module] if module else [])]) or None


def module_bindings(source: SourceFile) -> dict[str, list[Optional[tuple[str, Optional[str]]]]]:
    """Names bound at module level: for each, (absolute module, object) per import, None otherwise."""
    out: dict[str, list[Optional[tuple[str, Optional[str]]]]] = {}
    if source.module is None:
        return out
    for statement in source.module.body:
        for small in getattr(statement, "body", ()) if isinstance(statement, cst.SimpleStatementLine) else ():
            if isinstance(small, cst.Import):
                for alias in small.names:
                    full = cst.Module([]).code_for_node(alias.name)
                    bound = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) \
                        else full.split(".")[0]
                    out.setdefault(bound, []).append((full, None))
            elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                module = cst.Module([]).code_for_node(small.module) if small.module else ""
                absolute = absolute_module(source, len(small.relative), module) or module
                for alias in small.names:
                    name = cst.Module([]).code_for_node(alias.name)
                    bound = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) \
                        else name
                    out.setdefault(bound, []).append((absolute, name))
            elif isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                for target in targets:
                    if isinstance(target, cst.Name):
                        out.setdefault(target.value, []).append(None)
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            out.setdefault(statement.name.value, []).append(None)
    return out


class Sources:
    """Parsed files by absolute path, shared by every plan made from one report."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.files: dict[Path, SourceFile] = {}

    def get(self, path: Union[str, Path]) -> SourceFile:
        absolute = Path(path) if Path(path).is_absolute() else self.cwd / path
        if absolute not in self.files:
            problem = None
            data: Optional[bytes]
            if not absolute.exists() and not absolute.is_symlink():
                data = None  # a module a fix may create
            else:
                try:
                    data = read_bytes(absolute)
                except Unreadable as exc:  # a FIFO, a device, a huge or unreadable file: never a missing one
                    data, problem = b"", f"cannot be read ({str(exc).split(': ', 1)[-1]})"
            source = SourceFile(absolute, _display(absolute, self.cwd), data)
            if problem:
                source.module, source.error = None, problem
            self.files[absolute] = source
        return self.files[absolute]

    def forget(self, path: Path) -> None:
        self.files.pop(path, None)


def _display(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass(frozen=True)
class ImportChange:
    module: str
    obj: Optional[str] = None
    asname: Optional[str] = None
    relative: int = 0


@dataclass
class FileChanges:
    source: SourceFile
    edits: dict[cst.CSTNode, list[tuple[int, str, NodeEdit]]] = field(default_factory=dict)
    appended: list[cst.BaseStatement] = field(default_factory=list)
    add_imports: list[ImportChange] = field(default_factory=list)
    remove_imports: list[ImportChange] = field(default_factory=list)
    claimed: list[cst.CSTNode] = field(default_factory=list)  # subtrees rewritten whole (moved handlers)
    memo: dict[Any, Any] = field(default_factory=dict)  # what one fix decided that the next one reuses

    def has(self, node: cst.CSTNode, key: str) -> bool:
        return any(k == key for _, k, _ in self.edits.get(node, ()))

    def inside_claimed(self, node: cst.CSTNode) -> bool:
        if node in self.claimed:
            return True
        return any(a in self.claimed for a in self.source.ancestors(node))

    def add(self, node: cst.CSTNode, key: str, edit: NodeEdit, order: int = 0) -> None:
        if not self.has(node, key):
            self.edits.setdefault(node, []).append((order, key, edit))

    def render(self) -> str:
        module = self.source.module
        assert module is not None
        if self.edits:
            module = module.visit(_Apply(self.edits))
        if self.appended:
            module = module.with_changes(body=[*module.body, *self.appended])
        wanted = self._new_imports()
        if wanted:
            # Names from a module the file already imports from join that import statement: libcst
            # finds it (relative or not) through the absolute module name. Other imports are added
            # without a module name in the context, so that relative ones stay relative.
            package = self.source.name if self.source.is_package else self.source.name.rpartition(".")[0]
            existing = {b[0] for bs in module_bindings(self.source).values() for b in bs if b and b[1] is not None}
            joining = CodemodContext(full_module_name=self.source.name, full_package_name=package)
            fresh = CodemodContext()
            for item in wanted:
                absolute = absolute_module(self.source, item.relative, item.module) or item.module
                if item.obj is not None and absolute in existing:
                    AddImportsVisitor.add_needed_import(joining, absolute, item.obj, item.asname)
                else:
                    AddImportsVisitor.add_needed_import(fresh, item.module, item.obj, item.asname, item.relative)
            for context in (joining, fresh):
                if context.scratch:
                    module = module.visit(AddImportsVisitor(context))  # needs no metadata: no copy
        if self.remove_imports:
            # Removal matches relative imports through the absolute module name: give it ours.
            source = self.source
            package = source.name if source.is_package else source.name.rpartition(".")[0]
            context = CodemodContext(full_module_name=source.name, full_package_name=package)
            for item in self.remove_imports:
                RemoveImportsVisitor.remove_unused_import(context, item.module, item.obj, item.asname)
            # The tree is ours and never mutated: resolve metadata on it without the deep copy
            # that `transform_module` makes.
            wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
            module = wrapper.visit(RemoveImportsVisitor(replace(context, wrapper=wrapper)))
        code = module.code
        if self.appended and not self.source.exists and code and not code.endswith("\n"):
            code += "\n"
        return code

    def _new_imports(self) -> list[ImportChange]:
        """The imports to add that the module does not already have (relative ones included)."""
        bound = module_bindings(self.source)
        out = []
        for item in self.add_imports:
            absolute = absolute_module(self.source, item.relative, item.module) or item.module
            name = item.asname or item.obj or item.module.split(".")[0]
            have = bound.get(name, [])
            if item.obj is None and any(b is not None and b[1] is None and
                                        (b[0] == absolute or b[0].split(".")[0] == absolute) for b in have):
                continue
            if item.obj is not None and (absolute, item.obj) in have:
                continue
            if item not in out:
                out.append(item)
        return out


class _Apply(cst.CSTTransformer):
    def __init__(self, edits: dict[cst.CSTNode, list[tuple[int, str, NodeEdit]]]) -> None:
        super().__init__()
        self.edits = edits

    def on_leave(self, original_node, updated_node):  # type: ignore[no-untyped-def, override]
        for _, _, edit in sorted(self.edits.get(original_node, ()), key=lambda e: e[0]):
            if not isinstance(updated_node, cst.CSTNode):
                break
            updated_node = edit(original_node, updated_node)
        return updated_node


class Changes:
    """Edits across files; one per fix (for its diff) or one per run (to apply them all)."""

    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        self.files: dict[Path, FileChanges] = {}

    def file(self, source: SourceFile) -> FileChanges:
        if source.path not in self.files:
            self.files[source.path] = FileChanges(source)
        return self.files[source.path]

    def rendered(self) -> dict[Path, tuple[SourceFile, str]]:
        """New text of every file that changes."""
        out = {}
        for path, changes in self.files.items():
            new = changes.render()
            if new != changes.source.text or (not changes.source.exists and new):
                out[path] = (changes.source, new)
        return out

    def diff(self, rendered: Optional[dict[Path, tuple[SourceFile, str]]] = None) -> str:
        rendered = self.rendered() if rendered is None else rendered
        return "".join(unified_diff(src, new) for src, new in sorted(rendered.values(), key=lambda x: x[0].display))


def unified_diff(source: SourceFile, new: str) -> str:
    old_lines = source.text.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    old_name = f"a/{source.display}" if source.exists else "/dev/null"
    lines = difflib.unified_diff(old_lines, new_lines, old_name, f"b/{source.display}")
    out = []
    for line in lines:
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)

"""Edits to source files, collected and applied in one pass per file.

A `Changes` set collects the edits of one or more fixes (node edits keyed by the original nodes,
statements to append, imports to add or remove) across files; `render` applies them in one
traversal per file, then runs `AddImportsVisitor` and `RemoveImportsVisitor`, so formatting and
comments survive. A sliced file (see slices.py) is restored whole after rendering.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Optional, Sequence, Union

import libcst as cst
from libcst.metadata import MetadataWrapper

from .reuse import regenerate
from .slices import SliceLost, split_lines
from .bindings import absolute_module, module_bindings
from .source import SourceFile
from .sources import Sources
from .top_imports import add_from, add_plain, top_level

NodeEdit = Callable[[cst.CSTNode, cst.CSTNode], Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel]]


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
    # After `render`: the code of the top-level statements it regenerated (new or rebuilt), or None
    # when it regenerated the whole module (apply.py compiles just those when it can).
    fresh: Optional[str] = None

    def empty(self) -> bool:
        return not (self.edits or self.appended or self.add_imports or self.remove_imports)

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
            # Only the paths from the module down to the edited nodes are rebuilt: the rest of
            # the tree is shared as it is (a transformer over every node cost most of a diff).
            paths = {id(a) for node in self.edits for a in (node, *self.source.ancestors(node))}
            module = module.visit(_Apply(self.edits, paths))
        if self.appended:
            module = module.with_changes(body=[*module.body, *self.appended])
        wanted = self._new_imports()
        if wanted and not self.remove_imports and all(_plain(item) for item in wanted):
            # `import x` alone (to-thread's `import asyncio`): placed as libcst's AddImportsVisitor
            # places it, without importing libcst.codemod or running its visitors (see top_imports.add_plain).
            module = add_plain(module, sorted({item.module for item in wanted}))
            wanted = []
        elif wanted and not self.remove_imports and all(_absolute_from(item) for item in wanted):
            # `from fastapi import BackgroundTasks`: the same, unless the top of the module is not
            # one add_from reads as the visitor does (then `fast` is None).
            fast = add_from(module, self._from_groups(wanted))
            module, wanted = (fast, []) if fast is not None else (module, wanted)
        if wanted or self.remove_imports:
            # libcst.codemod costs more to import than libcst itself: only a fix that adds or
            # removes imports pays for it (a check whose fixes are all refused does not).
            from libcst.codemod import CodemodContext
            from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
        if wanted:
            # Names from a module the file already imports from join that import statement: libcst
            # finds it (relative or not) through the absolute module name. Other imports are added
            # without a module name in the context, so that relative ones stay relative.
            package = self.source.name if self.source.is_package else self.source.name.rpartition(".")[0]
            existing = self._from_modules()
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
                    module = module.visit(top_level(AddImportsVisitor)(context))  # needs no metadata: no copy
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
        code, self.fresh = _code(module, self.source)
        if self.appended and not self.source.exists and code and not code.endswith("\n"):
            code += "\n"
        return code

    def _from_modules(self) -> set[str]:
        """The absolute modules the file imports names from at its top level (`from m import x`)."""
        return {b[0] for bs in module_bindings(self.source).values() for b in bs if b and b[1] is not None}

    def _from_groups(self, wanted: list[ImportChange]) -> list[tuple[str, list[str]]]:
        """The names to import by module, in the order render's two visitor passes would add them:
        modules the file already imports from (the joining pass), then the others."""
        existing = self._from_modules()
        groups: dict[str, list[str]] = {}
        for joining in (True, False):
            for item in wanted:
                if (item.module in existing) == joining and item.obj is not None:
                    groups.setdefault(item.module, []).append(item.obj)
        return list(groups.items())

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


def _code(module: cst.Module, source: SourceFile) -> tuple[str, Optional[str]]:
    """`module.code`, regenerating only the top-level statements a fix rebuilt: the others are
    the original file's nodes, whose code is kept from the first fix that rendered this file (one
    file's findings each render their own diff; codegen of the whole file was most of a diff).
    Also the code of the regenerated statements alone (None: the whole module was)."""
    original = source.module
    if original is None or source.statement_code is None or not _same(module.header, original.header) \
            or not _same(module.footer, original.footer):
        return regenerate(module, module, source.spans), None
    body = list(module.body)
    # The original statements after the last one a fix rebuilt or added are the file's text from
    # there on: their code need not be generated at all.
    unchanged = len(body)
    shift = len(original.body) - len(body)
    while unchanged > 0 and 0 <= unchanged - 1 + shift < len(original.body) \
            and body[unchanged - 1] is original.body[unchanged - 1 + shift]:
        unchanged -= 1
    if not source.statement_codes(unchanged + shift):
        return regenerate(module, module, source.spans), None
    cache = source.statement_code
    assert cache is not None
    parts = [original.code_for_node(n) for n in module.header]
    fresh = []
    for stmt in body[:unchanged]:
        entry = cache.get(id(stmt))
        if entry is not None and entry[0] is stmt:
            parts.append(entry[1])
        else:
            parts.append(regenerate(module, stmt, source.spans))
            fresh.append(parts[-1])
    parts.append(source.text_after(unchanged + shift))
    return "".join(parts), "".join(fresh)


def _same(new: Sequence[cst.CSTNode], old: Sequence[cst.CSTNode]) -> bool:
    return len(new) == len(old) and all(a is b for a, b in zip(new, old))


def _plain(item: ImportChange) -> bool:
    return item.obj is None and item.asname is None and item.relative == 0


def _absolute_from(item: ImportChange) -> bool:
    return item.obj is not None and item.asname is None and item.relative == 0 and item.module != "__future__"


class _Apply(cst.CSTTransformer):
    def __init__(self, edits: dict[cst.CSTNode, list[tuple[int, str, NodeEdit]]], paths: set[int]) -> None:
        super().__init__()
        self.edits = edits
        self.paths = paths

    def on_visit(self, node: cst.CSTNode) -> bool:
        return id(node) in self.paths

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
        """New text of every file that changes (`fresh[path]`: what it regenerated, see FileChanges)."""
        out = {}
        self.fresh: dict[Path, Optional[str]] = {}
        for path, changes in self.files.items():
            if changes.empty():
                continue  # a fix that was refused after asking for the file
            new = changes.render()
            self.fresh[path] = changes.fresh
            if new != changes.source.text or (not changes.source.exists and new):
                try:
                    out[path] = (changes.source, changes.source.restore(new))
                except SliceLost as exc:
                    raise SliceLost(str(exc), path) from None
        return out

    def diff(self, rendered: Optional[dict[Path, tuple[SourceFile, str]]] = None) -> str:
        rendered = self.rendered() if rendered is None else rendered
        return "".join(unified_diff(src, new) for src, new in sorted(rendered.values(), key=lambda x: x[0].display))


def unified_diff(source: SourceFile, new: str) -> str:
    # Lines as Python and patch count them: str.splitlines also splits at a form feed (a page break
    # in older code) and other separators, which made a line with no end and a diff that did not apply.
    old_lines = split_lines(source.original)
    new_lines = split_lines(new)
    old_name = f"a/{source.display}" if source.exists else "/dev/null"
    lines = difflib.unified_diff(old_lines, new_lines, old_name, f"b/{source.display}")
    out = []
    for line in lines:
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)

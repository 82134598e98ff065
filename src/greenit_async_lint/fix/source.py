"""Source files for the codemods: read once, parsed once with libcst (the part the fixes touch:
see slices.py), metadata resolved once and shared by every fix planned on the file.

`SourceFile` is read-only; sources.py holds the run's files by path, cst_nodes.py the tree walks,
bindings.py what a module binds. Edits are collected and
rendered by changes.py.
"""
from __future__ import annotations

import ast
import bisect
from pathlib import Path
from typing import Iterable, Optional

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider, ScopeProvider

from ..analysis.discovery import module_name
from .cst_nodes import bodies, leftmost_path, map_children, meta_value
from .positions import Recorded, call_starts, generate
from .reuse import Spans
from .slices import Slice, make_slice, split_lines

SCOPE_NODES = (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


class SourceFile:
    """One file as the codemods see it. `module` is None when the file cannot be parsed (`error`).

    With `focus` (line numbers), only the functions holding those lines are parsed whole (see
    slices.py): `text` is what libcst parsed, `original` the whole file, and `restore` turns the
    fixed `text` into the fixed file. `tree`: the file's `ast` tree, when read already (the slice
    is cut from it)."""

    def __init__(self, path: Path, display: str, data: Optional[bytes], focus: Optional[Iterable[int]] = None,
                 tree: Optional[ast.Module] = None) -> None:
        self.path = path
        self.display = display
        self.exists = data is not None
        self.error: Optional[str] = None
        self.module: Optional[cst.Module] = None
        self.text = ""
        self.original = ""
        self.slice: Optional[Slice] = make_slice(data, focus, tree) if data and focus is not None else None
        try:
            self.module = cst.parse_module(self.slice.text if self.slice is not None else (data or b""))
            # libcst gives back the code it parsed exactly: a slice's text needs no codegen.
            self.text = self.slice.text if self.slice is not None else self.module.code
            self.original = self.slice.original if self.slice is not None else self.text
        except (cst.ParserSyntaxError, UnicodeDecodeError, ValueError) as exc:
            self.error = f"libcst cannot parse it ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
        self._meta: Optional[dict] = None
        self._calls: dict[tuple[int, int], list[cst.Call]] = {}
        self._indexed: set[int] = set()  # top-level statements whose calls are in `_calls` (-1: all)
        self._parents: dict[int, cst.CSTNode] = {}  # by id() of the child (see cst_nodes.map_children)
        self._parented: set[int] = set()  # top-level statements whose nodes are in `_parents`
        self._home: dict[cst.CSTNode, int] = {}  # a node -> its top-level statement, where known
        self._functions: Optional[dict[str, cst.FunctionDef]] = None
        self._lines: Optional[list[str]] = None
        # The code of each top-level statement of `module`, by node (changes.py renders a fix by
        # regenerating only the statements it rebuilt); None once the shortcut is known not to apply.
        self.statement_code: Optional[dict[int, tuple[cst.CSTNode, str]]] = {}
        self._starts: list[int] = []  # the first line in `text` of each statement in statement_code
        self._offsets: list[int] = []  # where each of those starts in `text` (one more: after the last)
        self._recorded: dict[int, Recorded] = {}  # what each statement's codegen noted, until its calls are indexed
        self.spans: Spans = {}  # the code of every statement placed so far (changes.py reuses it: reuse.py)
        self._lines_before = 1
        self.bindings: Optional[dict[str, list[Optional[tuple[str, Optional[str]]]]]] = None  # module_bindings  # the first line of each top-level statement in `text`
        self.name, self.is_package, self.import_root = module_name(path)

    # -- metadata ------------------------------------------------------------------------------
    def meta(self, provider: type) -> dict:
        """Metadata on the original tree, each kind resolved once, when a codemod first asks for it
        (a fix refused for a reason that needs no metadata costs none); scopes and qualified names
        come from one scope analysis."""
        assert self.module is not None
        if self._meta is None:
            self._wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._meta = {}
        if provider not in self._meta:
            wanted = [QualifiedNameProvider, ScopeProvider] if provider in (QualifiedNameProvider, ScopeProvider) \
                else [provider]
            self._meta.update(self._wrapper.resolve_many(wanted))
        return self._meta[provider]  # type: ignore[no-any-return]

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        """The node's parent (what libcst's ParentNodeProvider gives), mapped one top-level statement
        at a time: the one holding a call a fix looked up (see `calls_at`) or a function it asked
        for, else every statement."""
        found = self._parents.get(id(node))
        if found is not None or node is self.module:
            return found
        home = self._home.get(node)
        if home is not None and home not in self._parented:
            self._map_parents(home)
        else:
            for index in range(len(self.module.body) if self.module is not None else 0):
                self._map_parents(index)
        return self._parents.get(id(node))

    def _map_parents(self, index: int) -> None:
        if index in self._parented:
            return
        assert self.module is not None
        self._parented.add(index)
        statement = self.module.body[index]
        self._parents[id(statement)] = self.module
        for header in self.module.header if index == 0 else ():
            self._parents.setdefault(id(header), self.module)
        map_children(statement, self._parents)

    def ancestors(self, node: cst.CSTNode):
        current = self.parent(node)
        while current is not None:
            yield current
            current = self.parent(current)

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        return {q.name for q in meta_value(self.meta(QualifiedNameProvider).get(node)) or ()}

    def scope(self, node: cst.CSTNode):  # type: ignore[no-untyped-def]
        return meta_value(self.meta(ScopeProvider).get(node))

    def line_text(self, line: int) -> str:
        """Line `line` of the file (as findings number them)."""
        if self._lines is None:
            self._lines = split_lines(self.original)
        return self._lines[line - 1].rstrip("\r\n") if 0 < line <= len(self._lines) else ""

    def parsed_line(self, line: int) -> Optional[int]:
        """Where line `line` of the file is in the parsed `text` (None: in a stub)."""
        return self.slice.lines.get(line) if self.slice is not None else line

    def restore(self, fixed: str) -> str:
        """The whole file for the fixed `text` (raises slices.SliceLost when it cannot be done)."""
        return self.slice.restore(fixed) if self.slice is not None else fixed

    # -- lookups -------------------------------------------------------------------------------
    def calls_at(self, line: int, byte_col: int) -> list[cst.Call]:
        """Calls whose callee starts at (line, 1-based UTF-8 column, as `ast` reports it), outer first."""
        if self.module is None:
            return []
        parsed = self.parsed_line(line)
        if not parsed:
            return []
        index = self.statement_at(parsed)
        if index is None:
            if -1 not in self._indexed:  # positions of the whole module
                self._indexed.add(-1)
                self._index_calls(self.module, self.meta(PositionProvider), 0, None)
        elif index >= 0 and index not in self._indexed:
            self._indexed.add(index)
            statement = self.module.body[index]
            recorded = self._recorded.pop(index, None)
            found = call_starts(self.statement_code[id(statement)][1], recorded, self._starts[index]) \
                if recorded is not None and self.statement_code is not None else None
            if found is not None:  # noted when statement_codes generated its code (see positions.py)
                for call, keys in found:
                    for key in keys:
                        self._calls.setdefault(key, []).append(call)
                    self._home[call] = index
            else:
                # Positions of this statement alone: the same codegen as for the whole module (same
                # config), in a module that holds only it; its lines follow those before it.
                alone = self.module.with_changes(header=(), body=(statement,), footer=())
                positions = MetadataWrapper(alone, unsafe_skip_copy=True).resolve(PositionProvider)
                self._index_calls(statement, positions, self._starts[index] - 1, index)
        raw = self.line_text(line).encode("utf-8")[: max(byte_col - 1, 0)]
        return list(self._calls.get((parsed, len(raw.decode("utf-8", errors="ignore"))), []))

    def _index_calls(self, root: cst.CSTNode, positions, offset: int, home: Optional[int]) -> None:  # type: ignore[no-untyped-def]
        index = self._calls
        homes = self._home

        class Visitor(cst.CSTVisitor):
            def visit_Call(self, node: cst.Call) -> None:
                # `ast` starts `(a / b).c()` at the parenthesis, libcst's node after it.
                starts = {meta_value(positions[n]).start for n in leftmost_path(node.func)}
                for start in starts:
                    index.setdefault((start.line + offset, start.column), []).append(node)
                if home is not None:
                    homes[node] = home

        root.visit(Visitor())

    def statement_at(self, line: int) -> Optional[int]:
        """The index of the top-level statement whose code holds line `line` of `text` (-1: none
        does), placed by the code of the statements down to it (see `statement_codes`); None
        when that code does not add up to the file's."""
        # Down to the statement that ends after `line` (the one holding it), not one more.
        while self.statement_code is not None and (not self._offsets or self._lines_before <= line) \
                and len(self._starts) < len(self.module.body):  # type: ignore[union-attr]
            self.statement_codes(len(self._starts) + 1)
        if self.statement_code is None:
            return None
        if self._starts and line >= self._starts[-1] + len(split_lines(self._tail_code())):
            return -1
        return bisect.bisect_right(self._starts, line) - 1

    def _tail_code(self) -> str:
        module = self.module
        assert module is not None and self.statement_code is not None
        return self.statement_code[id(module.body[len(self._starts) - 1])][1]

    def statement_codes(self, count: int) -> bool:
        """Keep the code of the first `count` top-level statements in `statement_code` (changes.py
        reuses it for the statements a fix leaves alone), with the line where each starts in
        `text` (its leading comments and blank lines included) in `_starts` and its offset in
        `_offsets`. Each statement's code is checked against the text at its place; False (and
        `statement_code` None) when they differ (never seen): no shortcut for this file then."""
        module = self.module
        assert module is not None
        if self.statement_code is None:
            return False
        if not self._offsets:
            header = "".join(module.code_for_node(n) for n in module.header)
            if not self.text.startswith(header):
                self.statement_code = None
                return False
            self._offsets.append(len(header))
            self._lines_before = 1 + len(split_lines(header))
        while len(self._starts) < min(count, len(module.body)):
            stmt = module.body[len(self._starts)]
            code, self._recorded[len(self._starts)] = generate(module, stmt, self.spans)
            offset = self._offsets[-1]
            if not self.text.startswith(code, offset):
                self.statement_code = None
                return False
            self.statement_code[id(stmt)] = (stmt, code)
            self._starts.append(self._lines_before)
            self._lines_before += len(split_lines(code))
            self._offsets.append(offset + len(code))
        return True

    def text_after(self, index: int) -> str:
        """The text of the top-level statements from `index` on, and the module's footer, as they
        are in the file (statement_codes must have placed those before `index`)."""
        return self.text[self._offsets[index]:]

    def function(self, qualname: str) -> Optional[cst.FunctionDef]:
        if self.module is None:
            return None
        if self._functions is None:
            # Definitions are statements: walking statement bodies finds them all without
            # visiting every expression of the file.
            found: dict[str, cst.FunctionDef] = {}

            homes = self._home

            def walk(body: Iterable[cst.CSTNode], prefix: str, home: int) -> None:
                for statement in body:
                    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                        name = prefix + statement.name.value
                        if isinstance(statement, cst.FunctionDef):
                            found.setdefault(name, statement)
                            homes[statement] = home
                        walk(bodies(statement), name + ".", home)
                    elif isinstance(statement, cst.BaseCompoundStatement):
                        walk(bodies(statement), prefix, home)

            for index, statement in enumerate(self.module.body):
                walk([statement], "", index)
            self._functions = found
        return self._functions.get(qualname)

    def enclosing_scope(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        """The innermost function, lambda, class or comprehension around `node`."""
        return next((a for a in self.ancestors(node) if isinstance(a, SCOPE_NODES)), None)

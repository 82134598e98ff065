"""What moving a handler's work into a task would take, or why it cannot be done safely.

The work is the handler's body without its docstring and its final `return` (the response,
which becomes 202 Accepted). It moves whole when it only needs the handler's serialisable
parameters, its own locals, builtins and imports (which the tasks module can repeat). It stays
when it reads the request object, `self`, an injected dependency, a module-level name of the
handler's module (the tasks module cannot import it back without a cycle), awaits, yields or
returns early.
"""
from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Optional, Union

import libcst as cst
from libcst.metadata import BuiltinScope, GlobalScope, ImportAssignment

from .movable import (Forbidden, context_attribute, final_return, is_docstring, names_in, ordered_params,
                      response_problem)
from .rules import RemedyCatalogue
from .bindings import absolute_module
from .cst_nodes import read_only_visit
from .request_names import qualifies, request_object_name
from .source import SourceFile

@dataclass(frozen=True)
class NeededImport:
    """An import of the handler's module that the moved code uses, by absolute module."""

    bound: str
    module: str  # absolute, dotted
    obj: Optional[str]
    asname: Optional[str]
    relative: bool


@dataclass
class Move:
    function: cst.FunctionDef
    docstring: Optional[cst.BaseStatement]
    moved: list[cst.BaseStatement]
    result: Optional[cst.BaseExpression]
    params: list[cst.Param]
    returned: list[str] = field(default_factory=list)  # locals the dropped response used
    dropped: Optional[cst.Return] = None  # the response the handler no longer builds
    imports: list[NeededImport] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # every name the moved code mentions


def _within(source: SourceFile, node: cst.CSTNode, roots: list[cst.CSTNode]) -> bool:
    chain = [node, *source.ancestors(node)]
    return any(n is r for n in chain for r in roots)


def plan_move(source: SourceFile, function: cst.FunctionDef, reported: cst.CSTNode, remedies: RemedyCatalogue,
              framework: str) -> Union[Move, str]:
    """The move for a handler whose reported call is `reported`, or why it cannot be made."""
    if not isinstance(function.body, cst.IndentedBlock):
        return "the handler is written on one line"
    statements = list(function.body.body)
    docstring = statements.pop(0) if statements and is_docstring(statements[0]) else None
    final = final_return(statements[-1]) if statements else None
    if final is not None:
        statements.pop()
    result: Optional[cst.BaseExpression] = None
    if final is not None and final.value is not None and _within(source, reported, [final]):
        code = cst.Module([]).code_for_node(final.value)
        return (f"the response (`{code if len(code) <= 60 else code[:57] + '...'}`) is what the work produces: "
                f"answering 202 instead needs a status route that serves the result, which the fixer does not "
                f"write; add it, then queue the work")
    elif not _within(source, reported, list(statements)):
        return "the reported call is not in the handler's own statements"
    roots: list[cst.CSTNode] = [*statements, *([result] if result is not None else [])]
    for root in roots:
        visitor = Forbidden()
        read_only_visit(root, visitor)
        if visitor.reason:
            return visitor.reason
    names = names_in(roots)
    info = remedies.frameworks.get(framework)
    request_objects = info.request_objects if info is not None else ()
    used = request_object_name(source, function, roots, request_objects)  # without the scopes where it can
    if used is None:
        used = next((name for name in names for qualified in source.qualified_names(name)
                     if qualifies(qualified, request_objects)), False)
    if isinstance(used, cst.Name):
        return (f"the work uses `{used.value}`, bound to the request or the application context, which a "
                f"worker does not have: save what it needs first (uploads as files, settings as values) "
                f"and pass those plain values")
    bound = context_attribute(roots, info.context_attributes if info is not None else ())
    if bound:
        return (f"the work uses `{bound}`, which needs the application context a worker does not have: load "
                f"what it needs in the handler and pass plain values (ids, paths), or open the app's context "
                f"in the task")
    used_params: dict[str, cst.Param] = {}
    imports: dict[str, NeededImport] = {}
    function_scope = source.scope(function.body.body[0]) if function.body.body else None
    scopes = {id(s): s for s in (source.scope(n) for n in names) if s is not None}
    for scope in scopes.values():
        for access in scope.accesses:
            if not isinstance(access.node, cst.Name) or not _within(source, access.node, roots):
                continue
            label = access.node.value
            if not access.referents:
                if hasattr(builtins, label):
                    continue
                return f"`{label}` cannot be resolved (a star import?)"
            for ref in access.referents:
                if isinstance(ref.scope, BuiltinScope):
                    continue
                if ref.scope is function_scope:
                    if isinstance(ref.node, cst.Param):
                        used_params[label] = ref.node
                    continue
                if isinstance(ref.scope, GlobalScope):
                    if isinstance(ref, ImportAssignment):
                        needed = needed_import(source, ref.node, label)
                        if needed is None:
                            return f"the import of `{label}` cannot be repeated in the tasks module"
                        imports[label] = needed
                        continue
                    return (f"the work uses `{label}`, defined in {source.display}: move it to a module the task "
                            f"can import")
                if _within(source, ref.node, roots):
                    continue  # a comprehension or lambda variable of the moved code
                return f"the work uses `{label}` from an enclosing function"
    params = [p for p in ordered_params(function) if p.name.value in used_params]
    for param in params:
        reason = _param_problem(source, function, param, remedies)
        if reason:
            return reason
    if not statements and result is None:
        return "the handler has no work to move"
    returned = _returned(source, final, function_scope, statements) if result is None else []
    response = response_problem(source, final, returned, info) if result is None else None
    if response:
        return response
    return Move(function, docstring, statements, result, params, returned, final if result is None else None,
                list(imports.values()), {n.value for n in names})


def _returned(source: SourceFile, final: Optional[cst.Return], function_scope: object,
              moved: list[cst.BaseStatement]) -> list[str]:
    """Locals of the moved code that the dropped response reads: what the task should return."""
    if final is None or final.value is None:
        return []
    out: list[str] = []
    for name in names_in([final.value]):
        scope = source.scope(name)
        if scope is None or name.value in out:
            continue
        for access in scope.accesses[name]:
            if access.node is not name:
                continue
            if any(ref.scope is function_scope and not isinstance(ref.node, cst.Param)
                   and _within(source, ref.node, list(moved)) for ref in access.referents):
                out.append(name.value)
    return out


def _param_problem(source: SourceFile, function: cst.FunctionDef, param: cst.Param,
                   remedies: RemedyCatalogue) -> Optional[str]:
    name = param.name.value
    p = function.params
    if name in remedies.never_params:
        what = "the view instance" if name in ("self", "cls") else "the request or response object"
        return f"the work uses `{name}` ({what}), which a worker cannot receive"
    if param is p.star_arg or param is p.star_kwarg:
        return f"the work uses `*{name}`/`**{name}`"
    if isinstance(param.default, cst.Call):
        injected = [q for q in source.qualified_names(param.default.func) if remedies.is_injected(q)]
        if injected:
            marker = injected[0].rsplit(".", 1)[-1]
            return f"`{name}` is injected by the framework (`{marker}`), not a value a worker can receive"
    annotation_node = param.annotation.annotation if param.annotation is not None else None
    if annotation_node is not None and not _serialisable(source, annotation_node, remedies.serialisable_types):
        annotation = cst.Module([]).code_for_node(annotation_node)
        return f"`{name}: {annotation}` may not be serialisable for the queue"
    return None


def _type_ok(source: SourceFile, node: cst.BaseExpression, types: frozenset[str]) -> bool:
    names = source.qualified_names(node)
    if not names and isinstance(node, cst.Name):
        names = {node.value}
    return any(n in types or (n.startswith("builtins.") and n[9:] in types) for n in names)


def _serialisable(source: SourceFile, node: cst.BaseExpression, types: frozenset[str]) -> bool:
    if isinstance(node, cst.Name) and node.value == "None":
        return True
    if isinstance(node, (cst.Name, cst.Attribute)):
        return _type_ok(source, node, types)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        return _serialisable(source, node.left, types) and _serialisable(source, node.right, types)
    if isinstance(node, cst.Subscript):
        if not _type_ok(source, node.value, types):
            return False
        if "typing.Literal" in source.qualified_names(node.value):
            return True
        return all(isinstance(e.slice, cst.Index) and _serialisable(source, e.slice.value, types)
                   for e in node.slice)
    return False


def needed_import(source: SourceFile, node: cst.CSTNode, bound: str) -> Optional[NeededImport]:
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = cst.Module([]).code_for_node(alias.name)
            asname = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else None
            if (asname or full.split(".")[0]) == bound:
                return NeededImport(bound, full, None, asname, False)
    if isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
        module = cst.Module([]).code_for_node(node.module) if node.module else ""
        absolute = absolute_module(source, len(node.relative), module)
        if absolute is None:
            return None
        for alias in node.names:
            obj = cst.Module([]).code_for_node(alias.name)
            asname = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else None
            if (asname or obj) == bound:
                return NeededImport(bound, absolute, obj, asname, bool(node.relative))
    return None

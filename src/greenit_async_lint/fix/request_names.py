"""Which name of a handler's moved work is bound to the request (movable: `flask.flash`,
`flask.request`), told without libcst's scope analysis where the code leaves no doubt.

plan_move asks every name of the work for its qualified names (QualifiedNameProvider), which
resolves the scopes of the whole module: 115 ms on flaskbb's 1,100-line management views, for a
refusal ("the work uses `flash`") that the imports at the top of the module already show. Here the
same question is answered from the module's top-level bindings (bindings.module_bindings, read from
the same tree) when nothing can make the answer differ: the handler, not nested in a function,
binds none of its names through an import, a `global` or a nested scope (a local is the handler's
own), reads no comprehension's name, and the module's top level holds only simple statements,
functions and classes (no `try:` import, no star import). Anything else: None, and the caller asks
libcst, as before.
"""
from __future__ import annotations

from typing import Optional, Union

import libcst as cst

from .bindings import module_bindings
from .cst_nodes import read_only_visit
from .movable import _Bound, names_in, ordered_params
from .source import SourceFile

_NESTED = (cst.Lambda, cst.FunctionDef, cst.ClassDef, cst.Import, cst.ImportFrom, cst.Global, cst.Nonlocal)
_TOP = (cst.SimpleStatementLine, cst.FunctionDef, cst.ClassDef)


class _Shape(cst.CSTVisitor):
    """The names the work reads that are no variable (an attribute's name, a keyword), and whether
    the function holds anything that binds names in a way _Bound does not see."""

    def __init__(self) -> None:
        self.not_read: set[int] = set()
        self.nested = False
        self.comprehended: set[str] = set()  # a comprehension's own names, which the code around it does not see

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _NESTED):
            self.nested = True
            return False
        if isinstance(node, cst.CompFor):
            self.comprehended.update(n.value for n in names_in([node.target]))
        if isinstance(node, cst.Attribute):
            self.not_read.add(id(node.attr))
        elif isinstance(node, cst.Arg) and node.keyword is not None:
            self.not_read.add(id(node.keyword))
        return True


def request_object_name(source: SourceFile, function: cst.FunctionDef, roots: list[cst.CSTNode],
                        request_objects: tuple[str, ...]) -> Union[cst.Name, bool, None]:
    """The first name of `roots` (in names_in's order) whose qualified name is one of
    `request_objects` or below one; False when none is; None when this cannot tell."""
    module = source.module
    if module is None or any(not isinstance(s, _TOP) for s in module.body) \
            or any(isinstance(a, (cst.FunctionDef, cst.Lambda)) for a in source.ancestors(function)):
        return None  # (a handler nested in a function reads that function's locals too)
    if any(isinstance(s, cst.SimpleStatementLine) and any(isinstance(b, cst.ImportFrom)
                                                            and isinstance(b.names, cst.ImportStar) for b in s.body)
           for s in module.body):
        return None  # (a star import may bind any name)
    shape = _Shape()
    for statement in function.body.body if isinstance(function.body, cst.IndentedBlock) else ():
        read_only_visit(statement, shape)
    if shape.nested:
        return None
    bound = _Bound()
    read_only_visit(function.body, bound)
    local = bound.names | {p.name.value for p in ordered_params(function)}
    top = module_bindings(source)
    for name in names_in(roots):
        if id(name) in shape.not_read:
            continue
        if name.value in shape.comprehended:
            return None
        if name.value in local:
            continue  # a local of the handler (it imports nothing and declares no global): no module's name
        for binding in top.get(name.value, ()):
            if binding is not None and qualifies(_qualified(binding), request_objects):
                return name
    return False


def _qualified(binding: tuple[str, Optional[str]]) -> str:
    module, obj = binding
    return f"{module}.{obj}" if obj is not None else module


def qualifies(qualified: str, request_objects: tuple[str, ...]) -> bool:
    """Whether a qualified name is one of `request_objects` or below one (`flask.request.files`)."""
    return any(qualified == r or qualified.startswith(r + ".") for r in request_objects)

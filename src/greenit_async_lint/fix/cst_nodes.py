"""Walking libcst trees cheaply: the statements of a compound statement, parents recorded through
the nodes' fields, a callee's first token, and metadata values that libcst may compute lazily.
Used by source.py's SourceFile."""
from __future__ import annotations

import dataclasses

import libcst as cst


def bodies(statement: cst.CSTNode) -> list[cst.CSTNode]:
    """The statements directly inside a compound statement, every branch included (elif, else,
    except, finally, match cases)."""
    if isinstance(statement, cst.If):
        out = list(suite(statement.body))
        if statement.orelse is not None:
            out.extend(bodies(statement.orelse))
        return out
    out = list(suite(getattr(statement, "body", None)))
    for name in ("handlers", "cases"):
        for part in getattr(statement, name, ()) or ():
            out.extend(suite(part.body))
    for name in ("orelse", "finalbody"):
        part = getattr(statement, name, None)
        if part is not None:
            out.extend(suite(part.body))
    return out


def suite(suite: object) -> list[cst.CSTNode]:
    return list(suite.body) if isinstance(suite, cst.IndentedBlock) else []


def meta_value(value):  # type: ignore[no-untyped-def]
    """Metadata values may be computed lazily (libcst >= 1.0 wraps some in a LazyValue)."""
    if value is not None and type(value).__name__ == "LazyValue":
        return value()
    return value


_FIELDS: dict[type, tuple[str, ...]] = {}


def map_children(root: cst.CSTNode, parents: dict[cst.CSTNode, cst.CSTNode]) -> None:
    """Record the parent of every node under `root`, as libcst's ParentNodeProvider does, through
    the nodes' dataclass fields (the provider asks each node for `children`, which rebuilds it:
    ten times the cost)."""
    stack = [root]
    node_type = cst.CSTNode
    while stack:
        node = stack.pop()
        names = _FIELDS.get(type(node))
        if names is None:
            names = _FIELDS[type(node)] = tuple(f.name for f in dataclasses.fields(node))  # type: ignore[arg-type]
        for name in names:
            value = getattr(node, name)
            if isinstance(value, node_type):
                parents[value] = node
                stack.append(value)
            elif isinstance(value, (tuple, list)):
                for item in value:
                    if isinstance(item, node_type):
                        parents[item] = node
                        stack.append(item)


def leftmost_path(expr: cst.CSTNode) -> list[cst.CSTNode]:
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

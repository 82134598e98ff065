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
_NODE: dict[type, bool] = {}  # whether a value's type is a node: a dict hit, not an ABC isinstance check


def _is_node(kind: type) -> bool:
    known = _NODE.get(kind)
    if known is None:
        known = _NODE[kind] = issubclass(kind, cst.CSTNode)
    return known


def map_children(root: cst.CSTNode, parents: dict[int, cst.CSTNode]) -> None:
    """Record the parent of every node under `root` by the node's id(), as libcst's
    ParentNodeProvider does, through the nodes' dataclass fields (the provider asks each node for
    `children`, which rebuilds it: ten times the cost). Ids, not nodes: a node's hash is a Python
    call; the tree holds the nodes, so their ids stay theirs."""
    stack = [root]
    fields_of = _FIELDS
    node_of = _NODE
    while stack:
        node = stack.pop()
        names = fields_of.get(type(node))
        if names is None:
            names = fields_of[type(node)] = tuple(f.name for f in dataclasses.fields(node))  # type: ignore[arg-type]
        for name in names:
            value = getattr(node, name)
            kind = type(value)
            if kind is tuple or kind is list:
                for item in value:
                    is_node = node_of.get(type(item))
                    if is_node or (is_node is None and _is_node(type(item))):
                        parents[id(item)] = node
                        stack.append(item)
            else:
                is_node = node_of.get(kind)
                if is_node or (is_node is None and _is_node(kind)):
                    parents[id(value)] = node
                    stack.append(value)


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


# -- read-only visits ------------------------------------------------------------------------
# libcst's `node.visit(visitor)` rebuilds every node it walks (its traversal is the transformer's),
# which made the codemods' small checks (movable.py's, to-thread's) cost more than parsing.
# `read_only_visit` walks the same nodes in the same order (each type's fields in the order libcst visits
# them, read once from the type's own traversal) and calls the visitor's on_visit/on_leave as
# libcst does, building nothing. Types whose traversal depends on the node's values keep libcst's
# own `children`.
_ORDER: dict[type, tuple[str, ...]] = {}
_BY_VALUE = frozenset({"FormattedStringExpression", "TemplatedStringExpression", "ImportFrom", "LazyImportFrom"})


class _Probe(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def on_visit_attribute(self, _node: cst.CSTNode, attribute: str) -> None:
        if attribute not in self.names:
            self.names.append(attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass

    def on_visit(self, _node: cst.CSTNode) -> bool:
        return False

    def on_leave(self, original_node: cst.CSTNode) -> None:
        pass


def ordered_children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """`node.children` (the children in source order), without rebuilding the node."""
    kind = type(node)
    names = _ORDER.get(kind)
    if names is None:
        if kind.__name__ in _BY_VALUE:
            return list(node.children)
        probe = _Probe()
        node._visit_and_replace_children(probe)
        names = _ORDER[kind] = tuple(probe.names)
    out: list[cst.CSTNode] = []
    for name in names:
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            out.append(value)
        elif isinstance(value, (tuple, list)):
            out.extend(item for item in value if isinstance(item, cst.CSTNode))
    return out


def read_only_visit(root: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """`root.visit(visitor)` for a visitor that only reads (no `visit_<Node>_<attribute>` hooks)."""
    stack: list[tuple[cst.CSTNode, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            visitor.on_leave(node)
        elif visitor.on_visit(node):
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(ordered_children(node)))
        else:
            visitor.on_leave(node)

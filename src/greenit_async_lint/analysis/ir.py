"""Per-module summaries: what the engine keeps of a parsed module.

A summary is built once per file content (and cached on disk), so it holds plain data only:
expressions are small named tuples of strings, numbers and other expressions, never AST nodes.

Every expression and binding is a `NamedTuple` whose first field is a short tag, spelled at
construction (`Name("n", "os")`). The tag keeps two forms with the same fields apart when they
are compared or hashed (the evaluator memoises by expression, and `Name("n", "x")` must not
equal `Def("def", "x")`), and it lets a serialised node be rebuilt from plain data by its tag
(`NODES[data[0]](*data)`).

    Name("n", id)                     a name
    Attr("a", base, attr)             an attribute
    Call("c", func, args, kwargs)     a call; args holds expressions (Star("*", e) for *e),
                                      kwargs (name or None, expression) pairs
    Subscript("s", base, key)         a subscript
    Const("k", value)                 a constant (strings joined from f-strings and `+`)
    Items("t", items)                 a list, tuple or set display
    DictItems("d", keys, values)      a dict display
    OneOf("u", options)               one of several values (`a if c else b`, `a or b`)
    Def("def", qualname)              a nested function or lambda of this module
    Equals("eq", left, right)         `left == right` (a query's filter: `Team.org_id == org.id`)
    Unknown("?")                      anything else

Bindings of names (in `Scope.names`) are expressions or one of:

    Import("imp", module)             `import module` (the name is bound to `module`)
    FromImport("from", module, name)  `from module import name` (relative imports resolved)
    ClassDef("class", qualname)       a class of this module
    Element("iter", iterable)         an element of the iterable (a `for` target)
    Declared("ann", annotation)       declared with a type annotation and no value
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, Callable, Literal, NamedTuple, Optional, TypeVar, Union

Scalar = Union[str, int, float, bool, None]


class Name(NamedTuple):
    tag: Literal["n"]
    id: str


class Attr(NamedTuple):
    tag: Literal["a"]
    base: Expr
    attr: str


class Star(NamedTuple):
    """`*items` in a call's positional arguments."""

    tag: Literal["*"]
    value: Expr


Arg = Union["Expr", Star]
Keyword = tuple[Optional[str], "Expr"]  # (None, e) for **e


class Call(NamedTuple):
    tag: Literal["c"]
    func: Expr
    args: tuple[Arg, ...]
    kwargs: tuple[Keyword, ...]


class Subscript(NamedTuple):
    tag: Literal["s"]
    base: Expr
    key: Expr  # (not `index`: a tuple has an `index` method)


class Const(NamedTuple):
    tag: Literal["k"]
    value: Scalar


class Items(NamedTuple):
    tag: Literal["t"]
    items: tuple[Expr, ...]


class DictItems(NamedTuple):
    tag: Literal["d"]
    keys: tuple[Expr, ...]
    values: tuple[Expr, ...]


class OneOf(NamedTuple):
    tag: Literal["u"]
    options: tuple[Expr, ...]


class Def(NamedTuple):
    tag: Literal["def"]
    qualname: str


class Equals(NamedTuple):  # a query's filter pins its rows as `filter_by(org_id=...)` does (parts.py)
    tag: Literal["eq"]
    left: Expr
    right: Expr


class Unknown(NamedTuple):
    tag: Literal["?"]


Expr = Union[Name, Attr, Call, Subscript, Const, Items, DictItems, OneOf, Def, Equals, Unknown]
UNKNOWN: Expr = Unknown("?")


class Import(NamedTuple):
    tag: Literal["imp"]
    module: str


class FromImport(NamedTuple):
    tag: Literal["from"]
    module: str
    name: str


class ClassDef(NamedTuple):
    tag: Literal["class"]
    qualname: str


class Element(NamedTuple):
    tag: Literal["iter"]
    iterable: Expr


class Declared(NamedTuple):
    tag: Literal["ann"]
    annotation: Expr


Binding = Union[Expr, Import, FromImport, ClassDef, Element, Declared]


class Guard(NamedTuple):
    """A condition a call site runs under (conditions.py): `kind` "truth" (`if subject`), "none"
    (`if subject is None`), "eq" (`if subject == value`), "is" (`if subject is True`, `is False`),
    "in" (`if subject in ("a", None)`, `value` the constants' literal text) or "except" (a
    handler of `subject`, the caught type); `negated` for the branch taken when
    the test is false (`else`, `if not`, `!=`). Work that runs only under some conditions
    (create-if-missing, a debug flag, a retry, an argument) is not the work of every request."""

    kind: str
    subject: Expr
    negated: bool
    text: str
    names: tuple[str, ...]  # every name the test reads (the subject above drops parts of `a / b`)
    value: Scalar = None  # the constant compared with, for "eq" and "is" (the literal's text for "in")
    after_exit: bool = False  # holds because the other branch left the block (`if not x: return`)


# Every node form by its tag: what a cache in a plain format rebuilds nodes with.
NODES: dict[str, Callable[..., Any]] = {
    "n": Name, "a": Attr, "*": Star, "c": Call, "s": Subscript, "k": Const, "t": Items, "d": DictItems,
    "u": OneOf, "def": Def, "eq": Equals, "?": Unknown, "imp": Import, "from": FromImport, "class": ClassDef,
    "iter": Element, "ann": Declared,
}

SUMMARY_FORMAT = 24  # bump when the shape below changes: cached summaries are then rebuilt

_T = TypeVar("_T")


def _compact_pickle(cls: type[_T]) -> type[_T]:
    """Pickle as (class, field values): a fraction of the size and time of the default slots
    state dict, which matters for the tens of thousands of call sites a big project has."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    values = attrgetter(*names) if len(names) > 1 else (lambda obj: (getattr(obj, names[0]),))  # a tuple, in C

    def __reduce__(self: _T) -> tuple[type[_T], tuple[Any, ...]]:
        return (cls, values(self))

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls


@_compact_pickle
@dataclass(slots=True)
class Loop:
    line: int
    kind: str  # "for", "while", "comprehension" ("map" for a pool's map, made by reach; "once" and "retry" by loopshape.py)
    iter: Optional[Expr]
    text: str


@_compact_pickle
@dataclass(slots=True)
class CallSite:
    func: Expr
    args: tuple[Arg, ...]
    kwargs: tuple[Keyword, ...]
    line: int
    col: int
    tail: str
    loops: tuple[Loop, ...]  # enclosing loops of this function, innermost last
    text: str  # short source text of the callee, for messages and chains
    guards: tuple[Guard, ...] = ()  # enclosing conditions in this function, outermost first


@_compact_pickle
@dataclass(slots=True)
class Param:
    name: str
    annotation: Optional[Expr]
    default: Optional[Expr]
    kind: str  # "pos", "vararg", "kwonly", "kwarg"
    line: int


@_compact_pickle
@dataclass(slots=True)
class Scope:
    """What a function body (or the module body) binds and calls."""

    qualname: str
    names: dict[str, list[Binding]] = field(default_factory=dict)  # every binding of a name
    calls: list[CallSite] = field(default_factory=list)  # in source order
    # (target, value) of `x[k] = v`, `x.append(v)`: how registries are filled
    stores: list[tuple[Expr, Union[Binding, Star]]] = field(default_factory=list)


@_compact_pickle
@dataclass(slots=True)
class Function:
    qualname: str
    name: str
    line: int
    col: int
    is_async: bool
    params: list[Param]
    decorators: list[Expr]
    returns: Optional[Expr]
    scope: Scope
    parent: Optional[str]  # enclosing function qualname, for closures
    cls: Optional[str]  # enclosing class qualname, for methods
    kind: str  # "function", "method", "staticmethod", "classmethod", "property", "lambda"
    return_values: list[Expr] = field(default_factory=list)
    self_attrs: list[tuple[str, Binding]] = field(default_factory=list)  # from `self.attr = ...`
    decorator_tails: tuple[str, ...] = ()
    generator: bool = False  # it yields: its return_values are what it yields, one at a time
    # `name.attr` (or `name.*` for setattr) of every attribute the body stores on a name that is
    # not `self`: a field of an argument it changes is no condition a caller decides (pathconds.py)
    attr_writes: tuple[str, ...] = ()


@_compact_pickle
@dataclass(slots=True)
class Class:
    qualname: str
    name: str
    line: int
    bases: list[Expr]
    methods: dict[str, str]  # name -> function qualname
    attrs: dict[str, list[Binding]]  # class-level assignments and annotations
    parent: Optional[str]  # enclosing function qualname, if defined in one
    decorators: list[Expr] = field(default_factory=list)
    # The annotation of a class attribute declared with a value (`roles: Mapped[list[Role]] =
    # relationship(...)`: a collection, where `attrs` keeps only the value), and each attribute's
    # first line, for messages (cascades.py).
    annotations: dict[str, Expr] = field(default_factory=dict)
    attr_lines: dict[str, int] = field(default_factory=dict)


@_compact_pickle
@dataclass(slots=True)
class Module:
    name: str
    path: str  # relative display path, posix
    is_package: bool
    scope: Scope  # module body
    functions: dict[str, Function]  # by qualname
    classes: dict[str, Class]  # by qualname
    star_imports: list[str]  # modules imported with *
    tails: frozenset[str]  # last segments of every call and decorator: a cheap pre-filter
    noqa: dict[int, Optional[frozenset[str]]]  # line -> None (every code) or the codes


@_compact_pickle
@dataclass(slots=True)
class FileProblem:
    """A file that could not be summarised: the reason becomes an error finding."""

    path: str
    code: str
    reason: str
    line: int = 1
    col: int = 1

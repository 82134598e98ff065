"""Per-module summaries: what the engine keeps of a parsed module.

A summary is built once per file content (and cached on disk), so it holds plain data only:
expressions are nested tuples, not AST nodes. The expression forms are:

    ("n", name)                      a name
    ("a", base, attr)                an attribute
    ("c", func, args, kwargs)        a call; args is a tuple of expressions (("*", e) for *e),
                                     kwargs a tuple of (name or None, expression)
    ("s", base, index)               a subscript
    ("k", value)                     a constant (strings joined from f-strings and `+`)
    ("t", items)                     a list, tuple or set display
    ("d", keys, values)              a dict display
    ("u", options)                   one of several values (`a if c else b`, `a or b`)
    ("def", qualname)                a nested function or lambda of this module
    ("?",)                           anything else

Bindings of names (in `Scope.names`) use the same tuples plus:

    ("param", index)                 the function's parameter
    ("imp", module)                  `import module` (the name is bound to `module`)
    ("from", module, name)           `from module import name` (relative imports resolved)
    ("class", qualname)              a class of this module
    ("iter", expression)             an element of the iterable (a `for` target)
    ("ann", expression)              declared with a type annotation and no value
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Optional


def _compact_pickle(cls):
    """Pickle as (class, field values): a fraction of the size and time of the default slots
    state dict, which matters for the tens of thousands of call sites a big project has."""
    names = tuple(f.name for f in fields(cls))

    def __reduce__(self):
        return (cls, tuple(getattr(self, n) for n in names))

    cls.__reduce__ = __reduce__
    return cls

Expr = tuple  # nested tuples as described above
UNKNOWN: Expr = ("?",)

SUMMARY_FORMAT = 8  # bump when the shape below changes: cached summaries are then rebuilt


@_compact_pickle
@dataclass(slots=True)
class Loop:
    line: int
    kind: str  # "for", "while" or "comprehension"
    iter: Optional[Expr]
    text: str


@_compact_pickle
@dataclass(slots=True)
class CallSite:
    func: Expr
    args: tuple
    kwargs: tuple
    line: int
    col: int
    tail: str
    loops: tuple  # enclosing loops of this function, innermost last
    text: str  # short source text of the callee, for messages and chains


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
    names: dict = field(default_factory=dict)  # name -> list of binding expressions
    calls: list = field(default_factory=list)  # CallSite, in source order
    stores: list = field(default_factory=list)  # (target expression, value expression): x[k] = v, x.append(v)


@_compact_pickle
@dataclass(slots=True)
class Function:
    qualname: str
    name: str
    line: int
    col: int
    is_async: bool
    params: list
    decorators: list
    returns: Optional[Expr]
    scope: Scope
    parent: Optional[str]  # enclosing function qualname, for closures
    cls: Optional[str]  # enclosing class qualname, for methods
    kind: str  # "function", "method", "staticmethod", "classmethod", "property", "lambda"
    return_values: list = field(default_factory=list)
    self_attrs: list = field(default_factory=list)  # (attr, expression) from `self.attr = ...`
    decorator_tails: tuple = ()


@_compact_pickle
@dataclass(slots=True)
class Class:
    qualname: str
    name: str
    line: int
    bases: list
    methods: dict  # name -> function qualname
    attrs: dict  # name -> list of expressions (class-level assignments and annotations)
    parent: Optional[str]  # enclosing function qualname, if defined in one
    decorators: list = field(default_factory=list)


@_compact_pickle
@dataclass(slots=True)
class Module:
    name: str
    path: str  # relative display path, posix
    is_package: bool
    scope: Scope  # module body
    functions: dict  # qualname -> Function
    classes: dict  # qualname -> Class
    star_imports: list  # modules imported with *
    tails: frozenset  # last segments of every call and decorator: a cheap pre-filter
    noqa: dict  # line -> None (every code) or frozenset of codes
    lines: int


@_compact_pickle
@dataclass(slots=True)
class FileProblem:
    """A file that could not be summarised: the reason becomes an error finding."""

    path: str
    code: str
    reason: str
    line: int = 1
    col: int = 1


Summary = Any  # Module or FileProblem

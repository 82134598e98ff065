"""What a call site's argument is known to hold, as far as a caller's branch condition needs it.

pathconds.py decides a callee's `if <parameter test>:` with the argument its caller passes. Beyond
a constant, an argument may be known by its type:

- a constructor call (`ReceiptFile(...)`, `str(x)`, `Path(p)`) is an instance of exactly that
  class, and is not None;
- a call whose return type is known: an outside call the catalogue's `types` maps to a builtin
  type (`httpx` `response.read()` is bytes), a project function declaring a simple return type;
- an attribute of a project instance whose class declares it with a simple type (a pydantic
  field `url: str`), or a local bound once to one of the above.

`isinstance(x, Path)` is then decided when the answer cannot depend on what we do not know: the
value's builtin type (or project class) and the tested classes are all builtin types, project
classes whose bases are all the project's own, or outside classes the catalogue lists as concrete
(`guards.concrete_types`: no builtin value is ever one of them). An abstract class
(`collections.abc.Sequence`, an ABC a library registers types with) or any class the rules do
not know leaves the branch undecided, and so does a declared type for an `is None` test (a
declaration is not a guarantee that the value is set).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Optional

from ..catalogue.patterns import PatternTable
from .ir import Attr, Call, Const, Declared, Expr, Name
from .project import Ctx, Project
from .values import ClassRef, External, FunctionRef, Instance, MethodRef, Value

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator

UNKNOWN_ARG = object()  # an argument nothing is known of

# The builtin types a value of a literal or a builtin constructor has; their only bases are
# `object` (and `int` for bool): a language fact, not a library's.
BUILTIN_TYPES = frozenset(f"builtins.{n}" for n in (
    "str", "bytes", "bytearray", "int", "float", "complex", "bool", "list", "tuple", "dict", "set",
    "frozenset", "NoneType"))
_BASES = {"builtins.bool": ("builtins.int",)}
_LITERALS = {str: "builtins.str", bool: "builtins.bool", int: "builtins.int", float: "builtins.float",
             type(None): "builtins.NoneType"}


class ParamRef(NamedTuple):
    """The caller passes one of its own parameters: the condition moves up to its caller."""

    name: str


class TypeFact(NamedTuple):
    """The argument is an instance of one of `types` (builtin names or `<module index>:<qualname>`
    of a project class); `exact` when it was constructed here (so not None, not a subclass)."""

    types: frozenset[str]
    exact: bool


def literal_type(value: object) -> Optional[str]:
    return _LITERALS.get(type(value))


class ArgFacts:
    def __init__(self, project: Project, evaluator: Evaluator) -> None:
        self.p = project
        self.ev = evaluator
        self.concrete: PatternTable[bool] = evaluator.cat.offloads.concrete_types

    # -- what an argument holds ---------------------------------------------------------------

    def fact(self, expr: Expr, ctx: Ctx, params: frozenset[str], depth: int = 0) -> object:
        """A constant, a ParamRef, a TypeFact, or UNKNOWN_ARG."""
        if isinstance(expr, Const):
            return expr.value
        if isinstance(expr, Name) and expr.id in params:
            return ParamRef(expr.id)
        if isinstance(expr, Name) and ctx.function is not None and depth < 2:
            fn = self.p.function(ctx.module, ctx.function)
            if fn is None or any(p.name == expr.id for p in fn.params):
                return UNKNOWN_ARG  # a parameter the function reassigns
            bound = fn.scope.names.get(expr.id, [])
            # A local bound once (so before this call), to what is not a `with` statement's
            # manager (the name holds what its __enter__ returns): its type, never its constant
            # (`n = 0; n += 1` rebinds without a binding the summary keeps).
            if len(bound) == 1 and isinstance(bound[0], (Call, Attr)) and not any(
                    isinstance(c.func, Attr) and c.func.base == bound[0] for c in fn.scope.calls
                    if c.tail in ("__enter__", "__aenter__")):
                found = self.fact(bound[0], ctx, frozenset(), depth + 1)
                return found if isinstance(found, TypeFact) else UNKNOWN_ARG
            return UNKNOWN_ARG
        if isinstance(expr, Call):
            return self._called(expr, ctx)
        if isinstance(expr, Attr):
            return self._field(expr, ctx)
        return UNKNOWN_ARG

    def _called(self, call: Call, ctx: Ctx) -> object:
        types: set[str] = set()
        exact = True
        targets = self.ev.eval(call.func, ctx)
        for target in targets:
            if isinstance(target, ClassRef):
                types.add(f"{target.module}:{target.qualname}")
            elif isinstance(target, External):
                returned = self.ev.returns(target)
                names = {v.name for v in returned if isinstance(v, External)}
                if len(returned) != 1 or not names <= BUILTIN_TYPES:
                    return UNKNOWN_ARG
                types |= names
            elif isinstance(target, (FunctionRef, MethodRef)):
                fn = self.p.function(target.module, target.qualname)
                declared = self._declared(fn.returns, self.p.defining_ctx(target.module, fn)) if fn else None
                if declared is None:
                    return UNKNOWN_ARG
                types.add(declared)
                exact = False
            else:
                return UNKNOWN_ARG
        return TypeFact(frozenset(types), exact) if targets and types else UNKNOWN_ARG

    def _field(self, expr: Attr, ctx: Ctx) -> object:
        """`url.url` where `url` is a project instance whose class declares `url: str`."""
        types: set[str] = set()
        bases = self.ev.eval(expr.base, ctx)
        for base in bases:
            if not isinstance(base, Instance):
                return UNKNOWN_ARG
            declared = self._class_field(base, expr.attr)
            if declared is None:
                return UNKNOWN_ARG
            types.add(declared)
        return TypeFact(frozenset(types), False) if bases else UNKNOWN_ARG

    def _class_field(self, inst: Instance, attr: str) -> Optional[str]:
        for cmi, cq in self.ev.classes.mro(inst.module, inst.qualname)[0]:
            cls = self.p.klass(cmi, cq)
            if cls is None:
                continue
            if attr in cls.methods:
                return None  # a property: computed
            declared = [b for b in cls.attrs.get(attr, []) if isinstance(b, Declared)]
            if declared:
                return self._declared(declared[0].annotation, self.p.class_ctx(cmi, cls))
            if attr in cls.attrs:
                return None
        return None

    def _declared(self, annotation: Optional[Expr], ctx: Ctx) -> Optional[str]:
        """The one class a simple annotation names (`str`, `Recipe`); None for unions, generics,
        strings the summary could not read and anything else."""
        if not isinstance(annotation, (Name, Attr)):
            return None
        values = self.ev.eval(annotation, ctx)
        if len(values) != 1:
            return None
        value = values[0]
        if isinstance(value, External) and value.name in BUILTIN_TYPES:
            return value.name
        if isinstance(value, ClassRef):
            return f"{value.module}:{value.qualname}"
        return None

    # -- the classes an isinstance test names -------------------------------------------------

    def tested(self, expr: Expr, ctx: Ctx) -> Optional[frozenset[str]]:
        """The classes of `isinstance(x, <expr>)`, or None when one is not a class we can name."""
        from .ir import Items  # the tuple of `isinstance(x, (list, tuple))`
        parts = expr.items if isinstance(expr, Items) else (expr,)
        out: set[str] = set()
        for part in parts:
            values = self.ev.eval(part, ctx)
            if not values:
                return None
            for value in values:
                name = self._class_name(value)
                if name is None:
                    return None
                out.add(name)
        return frozenset(out) if out else None

    @staticmethod
    def _class_name(value: Value) -> Optional[str]:
        if isinstance(value, ClassRef):
            return f"{value.module}:{value.qualname}"
        if isinstance(value, External) and value.subject is None:
            return value.name
        return None

    # -- deciding ------------------------------------------------------------------------------

    def is_instance(self, types: frozenset[str], exact: bool, tested: frozenset[str]) -> Optional[bool]:
        """Whether a value of one of `types` passes `isinstance(value, tested)`; None: undecided."""
        results = {self._one(t, exact, tested) for t in types}
        return results.pop() if len(results) == 1 else None

    def _one(self, kind: str, exact: bool, tested: frozenset[str]) -> Optional[bool]:
        lineage = self._lineage(kind)
        if lineage is None:
            return None
        if tested & lineage:
            return True
        if not exact and kind not in BUILTIN_TYPES:
            return None  # a subclass of a declared project class may add any base
        return False if all(self._decidable(t) for t in tested) else None

    def _lineage(self, kind: str) -> Optional[frozenset[str]]:
        """The class and its bases, when all are known (builtins or the project's own classes)."""
        if kind in BUILTIN_TYPES:
            return frozenset({kind, "builtins.object", *_BASES.get(kind, ())})
        mi, _, qualname = kind.partition(":")
        if not mi.isdigit():
            return None
        chain, outside = self.ev.classes.mro(int(mi), qualname)
        if any(o != "builtins.object" for o in outside) or not all(self._bases_known(k) for k in chain):
            return None
        return frozenset({*(f"{m}:{q}" for m, q in chain), "builtins.object"})

    def _bases_known(self, key: tuple[int, str]) -> bool:
        """Every base of the class resolves (a base the evaluator cannot follow may be anything)."""
        cls = self.p.klass(*key)
        if cls is None:
            return False
        ctx = self.p.class_ctx(key[0], cls)
        return all(self.ev.eval(base, ctx) for base in cls.bases)

    def _decidable(self, tested: str) -> bool:
        """A class whose instances are known not to be of a type outside its own lineage."""
        if tested in BUILTIN_TYPES:
            return True
        if ":" in tested:
            return self._lineage(tested) is not None
        return self.concrete.match(tested) is not None

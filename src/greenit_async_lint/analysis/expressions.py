"""The expression half of the summary builder: what an `ast` expression is to the engine.

`ExpressionBuilder` turns expressions into `ir.Expr` values and records the calls it meets as call
sites of the enclosing scope (with their loops and guards); lambdas and comprehensions open scopes
of their own. The statement half (statements.py) extends it with bindings, definitions and control
flow, which expressions reach back into through `params`, `target` and `iterates`.
"""
from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass
from typing import Any, Optional

from .ir import (UNKNOWN, Arg, Attr, Binding, Call, CallSite, Class, Const, Def, DictItems,
                 Element, Equals, Expr, Function, Guard, Items, Keyword, Loop, OneOf, Param, Scope, Star, Subscript)
from .frozen import copied
from .sharing import callee_text, shared_attr, shared_const, shared_name
from .sourcetext import expr_tail, source_text

_Name, _Attribute, _Call, _Constant = ast.Name, ast.Attribute, ast.Call, ast.Constant
_MAX_ITEMS = 64  # elements kept of a literal container: registries are small, data tables are not
_STORE_METHODS = {"append": 0, "add": 0, "insert": 1, "setdefault": 1, "update": 0, "register": -1}


@dataclass(frozen=True)
class BuildCtx:
    """Where the summary builder is: the scope, the enclosing function or class, loops and guards."""

    scope: Scope
    prefix: str  # qualname prefix for definitions made here
    func: Optional[Function]  # the function whose body this is
    cls: Optional[Class]  # the class whose body this is
    loops: tuple[Loop, ...] = ()
    record: bool = True  # False for decorators, defaults, annotations: evaluated elsewhere
    guards: tuple[Guard, ...] = ()  # the enclosing `if` tests and `except` handlers

    @property
    def quiet(self) -> BuildCtx:
        """This context recording nothing, for decorators, defaults, annotations and the subjects
        of guards: made once per context (a class body's methods share their annotations' one)."""
        if not self.record:
            return self
        quiet: Optional[BuildCtx] = self.__dict__.get("_quiet")
        if quiet is None:
            quiet = self.__dict__["_quiet"] = replace(self, record=False)
        return quiet


_CTX_FIELDS = frozenset(BuildCtx.__dataclass_fields__)


def replace(obj: Any, /, **changes: Any) -> Any:
    """dataclasses.replace, cheaper for a BuildCtx: one is made for every nested block and every
    decorator, default and annotation (25,000 for mealie's 367 files, 42,000 for netbox's 1,212),
    and dataclasses.replace goes through the generated __init__ by keywords."""
    if type(obj) is not BuildCtx:
        return dataclasses.replace(obj, **changes)
    new = copied(obj, _CTX_FIELDS, changes)
    new.__dict__.pop("_quiet", None)  # the original's quiet twin is not the new one's
    return new


class ExpressionBuilder:
    def __init__(self, module: str, package: str) -> None:
        self.module = module
        self.package = package
        self.functions: dict[str, Function] = {}
        self.classes: dict[str, Class] = {}
        self.star_imports: list[str] = []
        self.tails: set[str] = set()
        self._writes: list[set[str]] = []  # what each function being built writes (statements.py), innermost last


    # -- hooks the statement half provides ------------------------------------------------------

    def params(self, args: ast.arguments, ctx: BuildCtx) -> list[Param]:
        raise NotImplementedError

    def target(self, ctx: BuildCtx, node: ast.expr, value: Binding) -> None:
        raise NotImplementedError

    def iterates(self, iterable: Expr, node: ast.expr, ctx: BuildCtx) -> None:
        raise NotImplementedError

    def wrote(self, attr: str) -> None:
        """`name.attr` written (`name.*`: by setattr), by the function being built and every
        function around it (fieldconds.stable: a field the function may change is not the caller's)."""
        if self._writes:
            self._writes[-1].add(attr)

    def deleted_or_updated(self, node: ast.expr) -> None:
        """The attributes a `del` or an augmented assignment writes (`del obj.cache`, `row.count += 1`)."""
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            self.wrote(f"{node.value.id}.{node.attr}")
        elif isinstance(node, (ast.Tuple, ast.List)):
            for elt in node.elts:
                self.deleted_or_updated(elt)

    # -- expressions --------------------------------------------------------------------------

    def expr(self, node: Optional[ast.expr], ctx: BuildCtx) -> Expr:
        kind = type(node)  # (the four kinds most expressions are, by identity: `ast` makes no subclasses)
        if kind is _Name:
            return shared_name(node.id)  # type: ignore[union-attr]
        if kind is _Attribute:
            return shared_attr(self.expr(node.value, ctx), node.attr)  # type: ignore[union-attr]
        if kind is _Call:
            return self.call(node, ctx)  # type: ignore[arg-type]
        if kind is _Constant:
            constant = node.value  # type: ignore[union-attr]
            return shared_const(constant) if isinstance(constant, (str, int, float, bool, type(None))) else UNKNOWN
        if node is None:
            return UNKNOWN
        if kind is ast.Subscript:
            return Subscript("s", self.expr(node.value, ctx), self.expr(node.slice, ctx))  # type: ignore[attr-defined]
        if kind is ast.UnaryOp:
            self.expr(node.operand, ctx)  # type: ignore[attr-defined]
            return UNKNOWN
        if isinstance(node, ast.Await):
            return self.expr(node.value, ctx)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = [self.expr(e.value if isinstance(e, ast.Starred) else e, ctx) for e in node.elts]
            return Items("t", tuple(items[:_MAX_ITEMS]))
        if isinstance(node, ast.Dict):
            keys = [self.expr(k, ctx) if k is not None else UNKNOWN for k in node.keys]
            values = [self.expr(v, ctx) for v in node.values]
            return DictItems("d", tuple(keys[:_MAX_ITEMS]), tuple(values[:_MAX_ITEMS]))
        if isinstance(node, ast.IfExp):
            self.expr(node.test, ctx)
            return OneOf("u", (self.expr(node.body, ctx), self.expr(node.orelse, ctx)))
        if isinstance(node, ast.BoolOp):
            return OneOf("u", tuple(self.expr(v, ctx) for v in node.values))
        if isinstance(node, ast.NamedExpr):
            assigned = self.expr(node.value, ctx)
            self.target(ctx, node.target, assigned)
            return assigned
        if isinstance(node, ast.JoinedStr):
            parts = []
            for piece in node.values:
                if isinstance(piece, ast.Constant):
                    parts.append(str(piece.value))
                else:
                    self.expr(piece, ctx)
                    parts.append(" ")
            return Const("k", "".join(parts))
        if isinstance(node, ast.BinOp):
            left, right = self.expr(node.left, ctx), self.expr(node.right, ctx)
            if isinstance(node.op, ast.BitOr):  # `Service | None` in annotations
                return OneOf("u", (left, right))
            if isinstance(node.op, ast.Div):  # `ROOT / name` is still a Path
                return left
            if isinstance(node.op, (ast.Add, ast.Mod)):
                strings = [s.value for s in (left, right) if isinstance(s, Const) and isinstance(s.value, str)]
                if strings:
                    return Const("k", " ".join(strings))
            if isinstance(node.op, (ast.Add, ast.Sub)) and isinstance(node.right, ast.Constant) \
                    and type(node.right.value) is int and abs(node.right.value) <= 1:
                return left  # `MAX_TRIES + 1`: about the constant, for loop bounds (loops.py)
            return UNKNOWN
        if isinstance(node, ast.Lambda):
            return self.lambda_(node, ctx)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self.comprehension(node, ctx)
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            yielded = self.expr(node.value, ctx) if node.value is not None else UNKNOWN
            if ctx.func is not None:
                ctx.func.generator = True  # a generator is as long as what it yields from (volume.py)
            if ctx.func is not None and isinstance(node, ast.Yield):
                ctx.func.return_values.append(yielded)
            return UNKNOWN
        if isinstance(node, ast.Starred):
            return self.expr(node.value, ctx)
        if isinstance(node, ast.Compare):
            if len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
                return Equals("eq", self.expr(node.left, ctx), self.expr(node.comparators[0], ctx))
            self.expr(node.left, ctx)
            for comparator in node.comparators:
                self.expr(comparator, ctx)
            return UNKNOWN
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child, ctx)
        return UNKNOWN

    def call(self, node: ast.Call, ctx: BuildCtx) -> Expr:
        if self._writes and type(node.func) is ast.Name and node.func.id == "setattr" and node.args \
                and type(node.args[0]) is ast.Name:
            self.wrote(f"{node.args[0].id}.*")
        func = self.expr(node.func, ctx)
        args: tuple[Arg, ...] = tuple([Star("*", self.expr(a.value, ctx)) if isinstance(a, ast.Starred)
                                       else self.expr(a, ctx) for a in node.args])
        kwargs: tuple[Keyword, ...] = tuple([(k.arg, self.expr(k.value, ctx)) for k in node.keywords])
        tail = expr_tail(func)
        if ctx.record:
            self.tails.add(tail)
            ctx.scope.calls.append(CallSite(func, args, kwargs, node.lineno, node.col_offset + 1, tail,
                                            ctx.loops, callee_text(func), ctx.guards))
            store_arg = _STORE_METHODS.get(tail)
            if store_arg is not None and isinstance(func, Attr) and args:
                value = args[store_arg] if len(args) > store_arg else args[-1]
                ctx.scope.stores.append((func.base, value))
        return Call("c", func, args, kwargs)

    def lambda_(self, node: ast.Lambda, ctx: BuildCtx) -> Expr:
        parent = ctx.func.qualname if ctx.func is not None else None
        qualname = f"{ctx.prefix}<lambda:{node.lineno}:{node.col_offset}>"
        fn = Function(qualname, "<lambda>", node.lineno, node.col_offset + 1, False, self.params(node.args, ctx), [],
                      None, Scope(qualname), parent, None, "lambda")
        self.functions[qualname] = fn
        inner = BuildCtx(fn.scope, qualname + ".", fn, None, (), ctx.record)
        fn.return_values.append(self.expr(node.body, inner))
        return Def("def", qualname)

    def comprehension(self, node: ast.expr, ctx: BuildCtx) -> Expr:
        generators = node.generators  # type: ignore[attr-defined]
        inner = ctx
        for i, gen in enumerate(generators):
            iterable = self.expr(gen.iter, inner)
            self.target(ctx, gen.target, Element("iter", iterable))
            if inner.record and not gen.is_async:
                self.iterates(iterable, gen.iter, inner)
            loop = Loop(node.lineno, "comprehension", iterable, source_text(gen.iter))
            inner = replace(inner, loops=inner.loops + (loop,))
            for cond in gen.ifs:
                self.expr(cond, inner)
        if isinstance(node, ast.DictComp):
            self.expr(node.key, inner)
            return Items("t", (self.expr(node.value, inner),))
        return Items("t", (self.expr(node.elt, inner),))  # type: ignore[attr-defined]

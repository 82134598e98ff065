"""Build a module summary (see ir.py) from source bytes, in one pass over the `ast` tree.

The stdlib `ast` parser is an order of magnitude faster than libcst, and the checker needs no
formatting; libcst is kept for the fixes, where formatting must survive.
"""
from __future__ import annotations

import ast
import sys
import warnings
from dataclasses import dataclass, replace
from typing import Optional

from .ir import (UNKNOWN, Arg, Attr, Binding, Call, CallSite, Class, ClassDef, Const, Declared, Def, DictItems,
                 Element, Expr, FileProblem, FromImport, Function, Guard, Import, Items, Keyword, Loop, Module,
                 Name, OneOf, Param, Scope, Star, Subscript)
from .conditions import except_guard, if_guards
from .loopshape import leaves_after, while_bound
from .sourcetext import decode_source, dotted, expr_tail, noqa_map

_MAX_ITEMS = 64  # elements kept of a literal container: registries are small, data tables are not
_STORE_METHODS = {"append": 0, "add": 0, "insert": 1, "setdefault": 1, "update": 0, "register": -1}


@dataclass(frozen=True)
class _Ctx:
    scope: Scope
    prefix: str  # qualname prefix for definitions made here
    func: Optional[Function]  # the function whose body this is
    cls: Optional[Class]  # the class whose body this is
    loops: tuple[Loop, ...] = ()
    record: bool = True  # False for decorators, defaults, annotations: evaluated elsewhere
    guards: tuple[Guard, ...] = ()  # the enclosing `if` tests and `except` handlers


class _Builder:
    def __init__(self, module: str, package: str) -> None:
        self.module = module
        self.package = package
        self.functions: dict[str, Function] = {}
        self.classes: dict[str, Class] = {}
        self.star_imports: list[str] = []
        self.tails: set[str] = set()

    # -- statements ---------------------------------------------------------------------------

    def body(self, stmts: list[ast.stmt], ctx: _Ctx) -> None:
        for i, stmt in enumerate(stmts):
            leaves = leaves_after(stmt, stmts[i + 1] if i + 1 < len(stmts) else None) if ctx.loops else ""
            if leaves:  # the loop ends right after this statement: it runs once, not per element
                kept = ctx.loops[:-1] if leaves == "break" else ()
                once = tuple(replace(loop, kind="once") for loop in ctx.loops[len(kept):])
                loops = kept + once
                self.stmt(stmt, replace(ctx, loops=loops))
            else:
                self.stmt(stmt, ctx)

    def bind(self, ctx: _Ctx, name: str, value: Binding) -> None:
        if ctx.cls is not None:
            ctx.cls.attrs.setdefault(name, []).append(value)
        else:
            ctx.scope.names.setdefault(name, []).append(value)

    def target(self, ctx: _Ctx, node: ast.expr, value: Binding) -> None:
        if isinstance(node, ast.Name):
            self.bind(ctx, node.id, value)
        elif isinstance(node, ast.Attribute):
            base = node.value
            if isinstance(base, ast.Name) and base.id == "self" and ctx.func is not None and ctx.func.cls:
                ctx.func.self_attrs.append((node.attr, value))
            else:
                self.expr(base, ctx)
        elif isinstance(node, ast.Subscript):
            ctx.scope.stores.append((self.expr(node.value, ctx), value))
            self.expr(node.slice, ctx)
        elif isinstance(node, (ast.Tuple, ast.List)):
            items = value.items if isinstance(value, Items) and len(value.items) == len(node.elts) else None
            # `obj, created = make()`: each name is that position of what the call returns.
            whole = value if isinstance(value, (Call, Name, Attr)) else None
            if any(isinstance(e, ast.Starred) for e in node.elts):
                whole = None
            for i, elt in enumerate(node.elts):
                element: Binding = Subscript("s", whole, Const("k", i)) if whole is not None else UNKNOWN
                self.target(ctx, elt, items[i] if items else element)
        elif isinstance(node, ast.Starred):
            self.target(ctx, node.value, UNKNOWN)

    def stmt(self, node: ast.stmt, ctx: _Ctx) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.function(node, ctx)
        elif isinstance(node, ast.ClassDef):
            self.klass(node, ctx)
        elif isinstance(node, ast.Assign):
            value = self.expr(node.value, ctx)
            for tgt in node.targets:
                self.target(ctx, tgt, value)
        elif isinstance(node, ast.AnnAssign):
            ann = self.annotation(node.annotation, ctx)
            declared: Binding = self.expr(node.value, ctx) if node.value is not None else Declared("ann", ann or UNKNOWN)
            self.target(ctx, node.target, declared)
            if ann is not None and isinstance(node.value, (ast.Dict, ast.List, ast.Set, ast.Constant)):
                # `REGISTRY: Dict[str, Model] = {}`, `x: Optional[Model] = None`: the value says
                # nothing of what will be held, the annotation does.
                self.target(ctx, node.target, Declared("ann", ann))
        elif isinstance(node, (ast.AugAssign, ast.Expr)):
            self.expr(node.value, ctx)
        elif isinstance(node, ast.Return):
            if node.value is not None:
                value = self.expr(node.value, ctx)
                if ctx.func is not None:
                    ctx.func.return_values.append(value)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            iterable = self.expr(node.iter, ctx)
            self.target(ctx, node.target, Element("iter", iterable))
            if ctx.record and isinstance(node, ast.For):
                self.iterates(iterable, node.iter, ctx)
            loop = Loop(node.lineno, "for", iterable, _text(node.iter))
            self.body(node.body, replace(ctx, loops=ctx.loops + (loop,)))
            self.body(node.orelse, ctx)
        elif isinstance(node, ast.While):
            bound = while_bound(node.test, lambda e: self.expr(e, replace(ctx, record=False)))
            loop = Loop(node.lineno, "while", bound, "while " + _text(node.test))
            inner = replace(ctx, loops=ctx.loops + (loop,))
            self.expr(node.test, inner)
            self.body(node.body, inner)
            self.body(node.orelse, ctx)
        elif isinstance(node, ast.If):
            self.expr(node.test, ctx)
            quiet = replace(ctx, record=False)
            body, orelse = if_guards(node.test, lambda e: self.expr(e, quiet))
            self.body(node.body, replace(ctx, guards=ctx.guards + body))
            self.body(node.orelse, replace(ctx, guards=ctx.guards + orelse))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            enter, exit_ = ("__aenter__", "__aexit__") if isinstance(node, ast.AsyncWith) else ("__enter__", "__exit__")
            for item in node.items:
                value = self.expr(item.context_expr, ctx)
                if item.optional_vars is not None:
                    self.target(ctx, item.optional_vars, value)
                if ctx.record:
                    # Entering and leaving run the manager's own methods (a connection opened in
                    # __enter__, a pool waited for in __exit__): calls like any other.
                    line, col = item.context_expr.lineno, item.context_expr.col_offset + 1
                    for method in (enter, exit_):
                        ctx.scope.calls.append(CallSite(Attr("a", value, method), (), (), line, col, method, ctx.loops,
                                                        f"with {dotted(value)}", ctx.guards))
                        self.tails.add(method)
            self.body(node.body, ctx)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self.body(node.body, ctx)  # type: ignore[attr-defined]
            for handler in node.handlers:  # type: ignore[attr-defined]
                guard = except_guard(handler, lambda e: self.expr(e, replace(ctx, record=False)))
                self.body(handler.body, replace(ctx, guards=ctx.guards + (guard,)))
            self.body(node.orelse, ctx)  # type: ignore[attr-defined]
            self.body(node.finalbody, ctx)  # type: ignore[attr-defined]
        elif isinstance(node, ast.Match):
            self.expr(node.subject, ctx)
            for case in node.cases:
                if case.guard is not None:
                    self.expr(case.guard, ctx)
                self.body(case.body, ctx)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.bind(ctx, alias.asname, Import("imp", alias.name))
                else:
                    top = alias.name.split(".", 1)[0]
                    self.bind(ctx, top, Import("imp", top))
        elif isinstance(node, ast.ImportFrom):
            module = self.resolve_from(node.module, node.level)
            for alias in node.names:
                if alias.name == "*":
                    self.star_imports.append(module)
                else:
                    self.bind(ctx, alias.asname or alias.name, FromImport("from", module, alias.name))
        elif isinstance(node, (ast.Raise, ast.Assert, ast.Delete)):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expr(child, ctx)

    def iterates(self, iterable: Expr, node: ast.expr, ctx: _Ctx) -> None:
        """A sync `for` calls the iterable's __iter__ (a queryset runs its query there)."""
        if isinstance(iterable, (Call, Name, Attr, Subscript)):
            ctx.scope.calls.append(CallSite(Attr("a", iterable, "__iter__"), (), (), node.lineno, node.col_offset + 1,
                                            "__iter__", ctx.loops, f"for ... in {dotted(iterable)}",
                                            ctx.guards))
            self.tails.add("__iter__")

    def resolve_from(self, module: Optional[str], level: int) -> str:
        if not level:
            return module or ""
        parts = self.package.split(".") if self.package else []
        if level > 1:
            parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
        base = ".".join(p for p in parts if p)
        if module:
            return f"{base}.{module}" if base else module
        return base

    def annotation(self, node: Optional[ast.expr], ctx: _Ctx) -> Optional[Expr]:
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return UNKNOWN
        return self.expr(node, replace(ctx, record=False))

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: _Ctx) -> None:
        quiet = replace(ctx, record=False)
        decorators = [self.expr(d, quiet) for d in node.decorator_list]
        dec_names = {expr_tail(d) for d in decorators}
        if ctx.cls is not None:
            qualname = f"{ctx.cls.qualname}.{node.name}"
            kind = next((k for k in ("staticmethod", "classmethod", "property") if k in dec_names), "method")
        else:
            qualname = f"{ctx.prefix}{node.name}"
            kind = "function"
        parent = ctx.func.qualname if ctx.func is not None else None
        fn = Function(qualname, node.name, node.lineno, node.col_offset + 1, isinstance(node, ast.AsyncFunctionDef),
                      self.params(node.args, ctx), decorators, self.annotation(node.returns, ctx), Scope(qualname),
                      parent, ctx.cls.qualname if ctx.cls is not None else None, kind)
        fn.decorator_tails = tuple(sorted(t for t in dec_names if t))
        self.tails.update(fn.decorator_tails)
        self.functions[qualname] = fn
        if ctx.cls is not None:
            ctx.cls.methods[node.name] = qualname
        else:
            self.bind(ctx, node.name, Def("def", qualname))
        self.body(node.body, _Ctx(fn.scope, qualname + ".", fn, None))

    def params(self, args: ast.arguments, ctx: _Ctx) -> list[Param]:
        out: list[Param] = []
        positional = [*args.posonlyargs, *args.args]
        defaults: list[Optional[ast.expr]] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        quiet = replace(ctx, record=False)

        def add(arg: ast.arg, default: Optional[ast.expr], kind: str) -> None:
            out.append(Param(arg.arg, self.annotation(arg.annotation, ctx),
                             self.expr(default, quiet) if default is not None else None, kind, arg.lineno))

        for arg, default in zip(positional, defaults):
            add(arg, default, "pos")
        if args.vararg:
            add(args.vararg, None, "vararg")
        for arg, default in zip(args.kwonlyargs, args.kw_defaults):
            add(arg, default, "kwonly")
        if args.kwarg:
            add(args.kwarg, None, "kwarg")
        return out

    def klass(self, node: ast.ClassDef, ctx: _Ctx) -> None:
        quiet = replace(ctx, record=False)
        qualname = f"{ctx.cls.qualname}.{node.name}" if ctx.cls is not None else f"{ctx.prefix}{node.name}"
        cls = Class(qualname, node.name, node.lineno, [self.expr(b, quiet) for b in node.bases], {}, {},
                    ctx.func.qualname if ctx.func is not None else None)
        for dec in node.decorator_list:
            cls.decorators.append(self.expr(dec, quiet))
            self.tails.add(expr_tail(cls.decorators[-1]))
        self.classes[qualname] = cls
        self.bind(ctx, node.name, ClassDef("class", qualname))
        # Class-body statements run in the enclosing scope (their calls are recorded there).
        self.body(node.body, _Ctx(ctx.scope, qualname + ".", ctx.func, cls, ctx.loops, ctx.record))

    # -- expressions --------------------------------------------------------------------------

    def expr(self, node: Optional[ast.expr], ctx: _Ctx) -> Expr:
        if node is None:
            return UNKNOWN
        if isinstance(node, ast.Name):
            return Name("n", node.id)
        if isinstance(node, ast.Attribute):
            return Attr("a", self.expr(node.value, ctx), node.attr)
        if isinstance(node, ast.Call):
            return self.call(node, ctx)
        if isinstance(node, ast.Constant):
            constant = node.value
            return Const("k", constant) if isinstance(constant, (str, int, float, bool, type(None))) else UNKNOWN
        if isinstance(node, ast.Await):
            return self.expr(node.value, ctx)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = [self.expr(e.value if isinstance(e, ast.Starred) else e, ctx) for e in node.elts]
            return Items("t", tuple(items[:_MAX_ITEMS]))
        if isinstance(node, ast.Dict):
            keys = [self.expr(k, ctx) if k is not None else UNKNOWN for k in node.keys]
            values = [self.expr(v, ctx) for v in node.values]
            return DictItems("d", tuple(keys[:_MAX_ITEMS]), tuple(values[:_MAX_ITEMS]))
        if isinstance(node, ast.Subscript):
            return Subscript("s", self.expr(node.value, ctx), self.expr(node.slice, ctx))
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
            if ctx.func is not None and isinstance(node, ast.Yield):
                ctx.func.return_values.append(yielded)
            return UNKNOWN
        if isinstance(node, ast.Starred):
            return self.expr(node.value, ctx)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child, ctx)
        return UNKNOWN

    def call(self, node: ast.Call, ctx: _Ctx) -> Expr:
        func = self.expr(node.func, ctx)
        args: tuple[Arg, ...] = tuple(Star("*", self.expr(a.value, ctx)) if isinstance(a, ast.Starred)
                                      else self.expr(a, ctx) for a in node.args)
        kwargs: tuple[Keyword, ...] = tuple((k.arg, self.expr(k.value, ctx)) for k in node.keywords)
        tail = expr_tail(func)
        if ctx.record:
            self.tails.add(tail)
            ctx.scope.calls.append(CallSite(func, args, kwargs, node.lineno, node.col_offset + 1, tail,
                                            ctx.loops, dotted(func), ctx.guards))
            store_arg = _STORE_METHODS.get(tail)
            if store_arg is not None and isinstance(func, Attr) and args:
                value = args[store_arg] if len(args) > store_arg else args[-1]
                ctx.scope.stores.append((func.base, value))
        return Call("c", func, args, kwargs)

    def lambda_(self, node: ast.Lambda, ctx: _Ctx) -> Expr:
        parent = ctx.func.qualname if ctx.func is not None else None
        qualname = f"{ctx.prefix}<lambda:{node.lineno}:{node.col_offset}>"
        fn = Function(qualname, "<lambda>", node.lineno, node.col_offset + 1, False, self.params(node.args, ctx), [],
                      None, Scope(qualname), parent, None, "lambda")
        self.functions[qualname] = fn
        inner = _Ctx(fn.scope, qualname + ".", fn, None, (), ctx.record)
        fn.return_values.append(self.expr(node.body, inner))
        return Def("def", qualname)

    def comprehension(self, node: ast.expr, ctx: _Ctx) -> Expr:
        generators = node.generators  # type: ignore[attr-defined]
        inner = ctx
        for i, gen in enumerate(generators):
            iterable = self.expr(gen.iter, inner)
            self.target(ctx, gen.target, Element("iter", iterable))
            if inner.record and not gen.is_async:
                self.iterates(iterable, gen.iter, inner)
            loop = Loop(node.lineno, "comprehension", iterable, _text(gen.iter))
            inner = replace(inner, loops=inner.loops + (loop,))
            for cond in gen.ifs:
                self.expr(cond, inner)
        if isinstance(node, ast.DictComp):
            self.expr(node.key, inner)
            return Items("t", (self.expr(node.value, inner),))
        return Items("t", (self.expr(node.elt, inner),))  # type: ignore[attr-defined]


def _text(node: ast.expr, limit: int = 60) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # pragma: no cover - unparse fails only on malformed trees
        return "<expr>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _newer_python_tree(text: str, path: str, exc: SyntaxError) -> ast.Module | FileProblem:
    """The tree of a file this interpreter's `ast` rejects, read through a newer grammar
    (newsyntax.py); GAL901 when no grammar accepts it, naming the Python it would need."""
    from .newsyntax import NewerSyntax, downgrade, needed_python
    where = (exc.lineno or 1, max(exc.offset or 1, 1))
    try:
        code, features = downgrade(text, exc.msg or "")
    except NewerSyntax:
        return FileProblem(path, "GAL901", f"does not parse: {exc.msg}", *where)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(code, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        need = needed_python(features)
        running = ".".join(map(str, sys.version_info[:2]))
        hint = (f"it uses Python {need} syntax that Python {running} cannot read; run the check with "
                f"Python {need} or newer: `python{need} -m pip install greenit-async-lint` then "
                f"`python{need} -m greenit_async_lint check`") if need else f"Python {running} cannot read it"
        return FileProblem(path, "GAL901", f"does not parse: {exc.msg} ({hint})", *where)


def summarize(data: bytes, path: str, module: str, is_package: bool,
              tree: Optional[ast.Module] = None) -> Module | FileProblem:
    """Summarise one file's bytes; a file that cannot be analysed gives a FileProblem.

    `tree`, when given, is the file's already-parsed tree (flake8 passes its own) and is used
    instead of parsing `data` again; `data` still gives the `# noqa` comments and line count."""
    is_init = path.rsplit("/", 1)[-1] == "__init__.py"
    try:
        text = decode_source(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return FileProblem(path, "GAL902", f"cannot be decoded: {exc}")
    if not text.strip() and not is_init:
        return FileProblem(path, "GAL905", "is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the project's SyntaxWarnings are not ours to print
            parsed = tree if tree is not None else ast.parse(text, filename=path)
    except SyntaxError as exc:
        newer = _newer_python_tree(text, path, exc)
        if isinstance(newer, FileProblem):
            return newer
        parsed = newer
    except (ValueError, RecursionError, MemoryError) as exc:
        return FileProblem(path, "GAL901", f"does not parse: {type(exc).__name__}: {exc}")
    package = module if is_package else module.rpartition(".")[0]
    builder = _Builder(module, package)
    scope = Scope("<module>")
    try:
        builder.body(parsed.body, _Ctx(scope, "", None, None))
    except RecursionError:
        return FileProblem(path, "GAL901", "is too deeply nested to analyse")
    return Module(module, path, is_package, scope, builder.functions, builder.classes, builder.star_imports,
                  frozenset(builder.tails), noqa_map(text), text.count("\n") + 1)

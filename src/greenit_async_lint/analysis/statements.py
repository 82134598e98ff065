"""The statement half of the summary builder: bindings, imports, definitions and control flow.

`StatementBuilder` walks a module body once; each statement binds names in its scope, defines
functions and classes (with their parameters, decorators and bases), and hands its expressions to
the expression half (expressions.py). Loops and guards enclose what runs under them, so every call
site knows the loops it runs in and the `if`/`except` it is guarded by.
"""
from __future__ import annotations

import ast
from typing import Optional

from .ir import (UNKNOWN, Attr, Binding, Call, CallSite, Class, ClassDef, Const, Declared, Def, DictItems, Element, Expr, FromImport, Function, Guard, Import, Items, Loop, Name, Param, Scope, Subscript)
from .bodyfacts import BodyFacts, binds_a_test, body_facts
from .conditions import Aliases, after_if, except_guard, if_guards, unalias
from .loopshape import exit_tail, leaves_after, retry_start, while_bound
from .sourcetext import dotted, expr_tail
from .expressions import BuildCtx, ExpressionBuilder, replace
from .sourcetext import source_text


class StatementBuilder(ExpressionBuilder):
    # The guards that hold after the `if` just built, when one of its branches always leaves the
    # block (`if dry_run: return`): the statements after it run only when that branch was not taken.
    _after_exit: tuple[Guard, ...] = ()
    _aliases: Aliases = {}  # the current function's locals that name a test of its parameters

    def __init__(self, module: str, package: str) -> None:
        super().__init__(module, package)
        self._facts: dict[ast.AST, BodyFacts] = {}  # of each function read so far, and those inside it

    # -- statements ---------------------------------------------------------------------------

    def body(self, stmts: list[ast.stmt], ctx: BuildCtx) -> None:
        tail, tail_leaves = exit_tail(stmts) if ctx.loops else (len(stmts), "")
        retry = retry_start(stmts) if ctx.loops else len(stmts)
        for i, stmt in enumerate(stmts):
            if i == retry:  # the failure path of a retry loop: once per failed attempt
                ctx = replace(ctx, loops=ctx.loops[:-1] + (replace(ctx.loops[-1], kind="retry"),))
            if self._after_exit:
                ctx = replace(ctx, guards=ctx.guards + self._after_exit)
                self._after_exit = ()
            leaves = (leaves_after(stmt, stmts[i + 1] if i + 1 < len(stmts) else None)
                      or (tail_leaves if i >= tail else "")) if ctx.loops else ""
            if leaves:  # the loop ends right after this statement: it runs once, not per element
                kept = ctx.loops[:-1] if leaves == "break" else ()
                once = tuple(replace(loop, kind="once") for loop in ctx.loops[len(kept):])
                loops = kept + once
                self.stmt(stmt, replace(ctx, loops=loops))
            else:
                self.stmt(stmt, ctx)
        self._after_exit = ()  # an early exit guards the rest of its own block only

    def bind(self, ctx: BuildCtx, name: str, value: Binding) -> None:
        if ctx.cls is not None:
            ctx.cls.attrs.setdefault(name, []).append(value)
        else:
            ctx.scope.names.setdefault(name, []).append(value)

    def target(self, ctx: BuildCtx, node: ast.expr, value: Binding) -> None:
        if isinstance(node, ast.Name):
            self.bind(ctx, node.id, value)
        elif isinstance(node, ast.Attribute):
            base = node.value
            if isinstance(base, ast.Name):
                self.wrote(f"{base.id}.{node.attr}")
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

    def stmt(self, node: ast.stmt, ctx: BuildCtx) -> None:
        # (the kinds most frequent first, by identity: a module is mostly assignments, imports and
        # annotated fields, and `ast` makes no subclasses)
        if type(node) is ast.Assign:
            value = self.expr(node.value, ctx)
            for tgt in node.targets:
                self.target(ctx, tgt, value)
                if ctx.cls is not None and isinstance(tgt, ast.Name):
                    ctx.cls.attr_lines.setdefault(tgt.id, node.lineno)
        elif type(node) is ast.ImportFrom:
            module = self.resolve_from(node.module, node.level)
            for alias in node.names:
                if alias.name == "*":
                    self.star_imports.append(module)
                else:
                    self.bind(ctx, alias.asname or alias.name, FromImport("from", module, alias.name))
        elif type(node) is ast.AnnAssign:
            ann = self.annotation(node.annotation, ctx)
            if ctx.cls is not None and isinstance(node.target, ast.Name):
                ctx.cls.attr_lines.setdefault(node.target.id, node.lineno)
                if ann is not None and node.value is not None:
                    ctx.cls.annotations[node.target.id] = ann
            declared: Binding = self.expr(node.value, ctx) if node.value is not None else Declared("ann", ann or UNKNOWN)
            self.target(ctx, node.target, declared)
            if ann is not None and (isinstance(node.value, (ast.Dict, ast.List, ast.Set, ast.Constant))
                                    or (ctx.func is None and ctx.cls is None)):
                # `REGISTRY: Dict[str, Model] = {}`, `x: Optional[Model] = None`: the value says
                # nothing of what will be held, the annotation does. A module global declared with
                # a type (`backend: Backend = local_backend`) is rebound elsewhere (`global
                # backend`, at start-up) to anything of that type: the default is one of them.
                self.target(ctx, node.target, Declared("ann", ann))
        elif type(node) is ast.Expr:
            self.expr(node.value, ctx)
        elif type(node) is ast.Return:
            if node.value is not None:
                value = self.expr(node.value, ctx)
                if ctx.func is not None:
                    ctx.func.return_values.append(value)
        elif type(node) is ast.FunctionDef or type(node) is ast.AsyncFunctionDef:
            self.function(node, ctx)
        elif type(node) is ast.If:
            self.expr(node.test, ctx)
            quiet = ctx.quiet
            body, orelse = if_guards(unalias(node.test, self._aliases), lambda e: self.expr(e, quiet))
            self.body(node.body, replace(ctx, guards=ctx.guards + body))
            self.body(node.orelse, replace(ctx, guards=ctx.guards + orelse))
            self._after_exit = after_if(node, lambda e: self.expr(e, quiet), self._aliases)
        elif type(node) is ast.ClassDef:
            self.klass(node, ctx)
        elif isinstance(node, (ast.Raise, ast.Assert, ast.Delete)):
            if isinstance(node, ast.Delete):
                for tgt in node.targets:
                    self.deleted_or_updated(tgt)
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expr(child, ctx)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            iterable = self.expr(node.iter, ctx)
            self.target(ctx, node.target, Element("iter", iterable))
            if ctx.record and isinstance(node, ast.For):
                self.iterates(iterable, node.iter, ctx)
            loop = Loop(node.lineno, "for", iterable, source_text(node.iter))
            self.body(node.body, replace(ctx, loops=ctx.loops + (loop,)))
            self.body(node.orelse, ctx)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self.body(node.body, ctx)  # type: ignore[attr-defined]
            for handler in node.handlers:  # type: ignore[attr-defined]
                guard = except_guard(handler, lambda e: self.expr(e, ctx.quiet))
                self.body(handler.body, replace(ctx, guards=ctx.guards + (guard,)))
            self.body(node.orelse, ctx)  # type: ignore[attr-defined]
            self.body(node.finalbody, ctx)  # type: ignore[attr-defined]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.bind(ctx, alias.asname, Import("imp", alias.name))
                else:
                    top = alias.name.split(".", 1)[0]
                    self.bind(ctx, top, Import("imp", top))
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
        elif isinstance(node, ast.AugAssign):
            self.deleted_or_updated(node.target)
            value = self.expr(node.value, ctx)
            if isinstance(node.op, (ast.BitOr, ast.Add)) and isinstance(value, (Items, DictItems)) \
                    and isinstance(node.target, (ast.Name, ast.Attribute)):
                # `recipients |= {r.email for r in rows}`: the name holds what was added too.
                self.target(ctx, node.target, value)
        elif isinstance(node, ast.While):
            bound = while_bound(node.test, lambda e: self.expr(e, ctx.quiet), node.body)
            loop = Loop(node.lineno, "while", bound, "while " + source_text(node.test))
            inner = replace(ctx, loops=ctx.loops + (loop,))
            self.expr(node.test, inner)
            self.body(node.body, inner)
            self.body(node.orelse, ctx)
        elif isinstance(node, ast.Match):
            self.expr(node.subject, ctx)
            for case in node.cases:
                if case.guard is not None:
                    self.expr(case.guard, ctx)
                self.body(case.body, ctx)

    def iterates(self, iterable: Expr, node: ast.expr, ctx: BuildCtx) -> None:
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

    def annotation(self, node: Optional[ast.expr], ctx: BuildCtx) -> Optional[Expr]:
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return UNKNOWN
        return self.expr(node, ctx.quiet)

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: BuildCtx) -> None:
        self._writes.append(set())  # (from its decorators on: bodyfacts counted them in)
        quiet = ctx.quiet
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
        facts = self._facts.get(node)
        if facts is None and binds_a_test(node):  # read with all the functions inside it at once
            self._facts.update(body_facts(node))
            facts = self._facts[node]
        outer, self._aliases = self._aliases, facts.aliases if facts is not None else {}
        self.body(node.body, BuildCtx(fn.scope, qualname + ".", fn, None))
        self._aliases = outer
        writes = self._writes.pop()
        fn.attr_writes = tuple(sorted(writes))
        if self._writes:  # what a nested function writes, the function around it writes too
            self._writes[-1] |= writes

    def params(self, args: ast.arguments, ctx: BuildCtx) -> list[Param]:
        out: list[Param] = []
        positional = [*args.posonlyargs, *args.args]
        defaults: list[Optional[ast.expr]] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        quiet = ctx.quiet

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

    def klass(self, node: ast.ClassDef, ctx: BuildCtx) -> None:
        quiet = ctx.quiet
        qualname = f"{ctx.cls.qualname}.{node.name}" if ctx.cls is not None else f"{ctx.prefix}{node.name}"
        cls = Class(qualname, node.name, node.lineno, [self.expr(b, quiet) for b in node.bases], {}, {},
                    ctx.func.qualname if ctx.func is not None else None)
        for dec in node.decorator_list:
            cls.decorators.append(self.expr(dec, quiet))
            self.tails.add(expr_tail(cls.decorators[-1]))
        self.classes[qualname] = cls
        self.bind(ctx, node.name, ClassDef("class", qualname))
        # Class-body statements run in the enclosing scope (their calls are recorded there).
        self.body(node.body, BuildCtx(ctx.scope, qualname + ".", ctx.func, cls, ctx.loops, ctx.record))

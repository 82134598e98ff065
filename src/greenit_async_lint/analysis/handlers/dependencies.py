"""Dependencies: work the framework runs before a handler, in the same request.

FastAPI-style providers named by a marker (`Depends(get_db)`) in a handler's parameters, in the
route decorator (`@router.get("/", dependencies=[...])`), in the router's constructor
(`APIRouter(dependencies=[...])`) or where the router is included (`app.include_router(r,
dependencies=[...])`). A provider's own parameters can name further providers.
"""
from __future__ import annotations

from typing import Optional

from ...catalogue.frameworks import DecoratorRule
from ..evaluate import arg_value
from ..ir import Attr, Call, Expr, FromImport, Function, Items, Name
from ..project import BoundExpr, Ctx, ImportedGlobal
from ..registries import GlobalKey
from ..values import ClassRef, FunctionRef, MethodRef
from .model import Root, Scan

Dependency = tuple[Expr, Ctx]  # a marker expression and where it is evaluated
Included = dict[GlobalKey, list[Dependency]]  # dependencies of the routes of a router, by router
_MAX_DEPTH = 3  # providers of providers, a few levels deep


def included_dependencies(scan: Scan) -> Included:
    """Dependencies given when a router is included, by the router's global key: they apply to
    every route declared on that router."""
    rules = [rule for fw in scan.frameworks for rule in fw.router_includes]
    wanted = {p.rsplit(".", 1)[-1] for table, _r, _d in rules for p in table.patterns()}
    included: Included = {}
    for _seq, cs, ctx in scan.index.calls(wanted):
        for table, router_spec, deps_spec in rules:
            if not any(table.match(n) for n in scan.names(cs.func, ctx)):
                continue
            router, deps = arg_value(cs.args, cs.kwargs, router_spec), arg_value(cs.args, cs.kwargs, deps_spec)
            key = scan.ev.registries.global_key(router, ctx) if router is not None else None
            if key is not None and isinstance(deps, Items):
                included.setdefault(key, []).extend((item, ctx) for item in deps.items)
    return included


def route_dependencies(scan: Scan, rule: DecoratorRule, dec: Expr, ctx: Ctx, included: Included) -> list[Dependency]:
    """`@router.get("/", dependencies=[Depends(check)])`, and the router's own
    `APIRouter(dependencies=[...])`: providers that run before every such route."""
    if rule.dependencies is None or not isinstance(dec, Call):
        return []
    found = [(arg_value(dec.args, dec.kwargs, rule.dependencies), ctx)]
    from_include: list[Dependency] = []
    if isinstance(dec.func, Attr):
        key = scan.ev.registries.global_key(dec.func.base, ctx)
        from_include = included.get(key, []) if key is not None else []
    if isinstance(dec.func, Attr) and isinstance(dec.func.base, Name):
        # The router's constructor: `router = APIRouter(dependencies=[...])`, here or imported.
        for bound in scan.p.bindings(dec.func.base.id, ctx):
            if not isinstance(bound, BoundExpr):
                continue
            binding, bctx = bound.binding, bound.ctx
            if isinstance(binding, FromImport):
                imported = scan.p.resolve_import(binding.module, binding.name, bctx.module)
                if isinstance(imported, ImportedGlobal):
                    there = scan.p.bindings(imported.where[1], Ctx(imported.where[0], None))
                    if there and isinstance(there[0], BoundExpr):
                        binding, bctx = there[0].binding, there[0].ctx
            if isinstance(binding, Call):
                found.append((arg_value(binding.args, binding.kwargs, rule.dependencies), bctx))
    return [(item, c) for listing, c in found if isinstance(listing, Items) for item in listing.items] + from_include


def dependency_roots(scan: Scan, mi: int, fn: Function, depth: int = 0) -> list[Root]:
    """Providers named in `Depends(...)` in a function's parameters run before it, in the same
    request."""
    if depth > _MAX_DEPTH:
        return []
    key = (mi, fn.qualname, depth)
    found = scan.provider_roots.get(key)
    if found is None:
        found = scan.provider_roots[key] = _provider_roots(scan, mi, fn, depth)
    return list(found)


def _provider_roots(scan: Scan, mi: int, fn: Function, depth: int) -> list[Root]:
    ctx = scan.p.defining_ctx(mi, fn)
    roots: list[Root] = []
    for param in fn.params:
        candidates = [(param.default, ctx)] if param.default is not None else []
        if param.annotation is not None:
            candidates.extend(scan.ev.annotation_parts(param.annotation, ctx))
        for expr, ectx in candidates:
            roots.extend(marker_roots(scan, expr, ectx, (param.annotation, ctx), param.line,
                                      scan.p.mods[mi].path, depth))
    return roots


def marker_roots(scan: Scan, expr: Expr, ctx: Ctx, annotation: Optional[tuple[Optional[Expr], Ctx]], line: int,
                 path: str, depth: int) -> list[Root]:
    """Roots for one dependency marker (`Depends(get_db)`); a bare `Depends()` uses the
    parameter's annotation."""
    marker = scan.ev.dependency_marker(expr, ctx)
    if marker is None:
        return []
    provider, pctx = (marker[0], ctx) if marker[0] is not None else (annotation or (None, ctx))
    roots: list[Root] = []
    for value in scan.ev.eval(provider, pctx) if provider is not None else ():
        target: Optional[FunctionRef | MethodRef] = None
        if isinstance(value, ClassRef):  # a class as a provider: its __init__ runs
            init = scan.ev.class_attr(value.module, value.qualname, "__init__", True)
            target = init[0] if init and isinstance(init[0], MethodRef) else None
        elif isinstance(value, (FunctionRef, MethodRef)):
            target = value
        if target is None:
            continue
        pfn = scan.p.function(target.module, target.qualname)
        if pfn is None:
            continue
        roots.append(Root(target.module, target.qualname, line, pfn.qualname, path, marker[1] and not pfn.is_async))
        roots.extend(dependency_roots(scan, target.module, pfn, depth + 1))
    return roots

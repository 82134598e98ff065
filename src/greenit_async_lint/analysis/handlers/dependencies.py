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
from ..ir import Expr, Function
from ..project import Ctx
from .model import Root, Scan

Dependency = tuple[Expr, Ctx]  # a marker expression and where it is evaluated
_MAX_DEPTH = 3  # providers of providers, a few levels deep


def included_dependencies(scan: Scan) -> dict[tuple, list[Dependency]]:
    """Dependencies given when a router is included, by the router's global key: they apply to
    every route declared on that router."""
    rules = [rule for fw in scan.frameworks for rule in fw.router_includes]
    wanted = {p.rsplit(".", 1)[-1] for table, _r, _d in rules for p in table.patterns()}
    included: dict[tuple, list[Dependency]] = {}
    for _seq, cs, ctx in scan.index.calls(wanted):
        for table, router_spec, deps_spec in rules:
            if not any(table.match(n) for n in scan.names(cs.func, ctx)):
                continue
            router, deps = arg_value(cs.args, cs.kwargs, router_spec), arg_value(cs.args, cs.kwargs, deps_spec)
            key = scan.ev.registries.global_key(router, ctx) if router is not None else None
            if key is not None and deps is not None and deps[0] == "t":
                included.setdefault(key, []).extend((item, ctx) for item in deps[1])
    return included


def route_dependencies(scan: Scan, rule: DecoratorRule, dec: Expr, ctx: Ctx,
                       included: dict[tuple, list[Dependency]]) -> list[Dependency]:
    """`@router.get("/", dependencies=[Depends(check)])`, and the router's own
    `APIRouter(dependencies=[...])`: providers that run before every such route."""
    if rule.dependencies is None or dec[0] != "c":
        return []
    found = [(arg_value(dec[2], dec[3], rule.dependencies), ctx)]
    from_include: list[Dependency] = []
    if dec[1][0] == "a":
        key = scan.ev.registries.global_key(dec[1][1], ctx)
        from_include = included.get(key, []) if key is not None else []
    if dec[1][0] == "a" and dec[1][1][0] == "n":
        for kind, detail, bctx in scan.p.bindings(dec[1][1][1], ctx):
            if kind == "expr" and detail[0] == "from":
                rkind, where = scan.p.resolve_import(detail[1], detail[2], bctx[0])
                if rkind == "global":
                    bindings = scan.p.bindings(where[1], (where[0], None))
                    detail, bctx = (bindings[0][1], bindings[0][2]) if bindings else (detail, bctx)
            if kind == "expr" and detail[0] == "c":
                found.append((arg_value(detail[2], detail[3], rule.dependencies), bctx))
    return [(item, c) for listing, c in found if listing is not None and listing[0] == "t"
            for item in listing[1]] + from_include


def dependency_roots(scan: Scan, mi: int, fn: Function, depth: int = 0) -> list[Root]:
    """Providers named in `Depends(...)` in a function's parameters run before it, in the same
    request."""
    if depth > _MAX_DEPTH:
        return []
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


def marker_roots(scan: Scan, expr: Expr, ctx: Ctx, annotation: Optional[tuple], line: int, path: str,
                 depth: int) -> list[Root]:
    """Roots for one dependency marker (`Depends(get_db)`); a bare `Depends()` uses the
    parameter's annotation."""
    marker = scan.ev.dependency_marker(expr, ctx)
    if marker is None:
        return []
    provider, pctx = (marker[0], ctx) if marker[0] is not None else (annotation or (None, ctx))
    roots: list[Root] = []
    for target in scan.ev.eval(provider, pctx) if provider is not None else ():
        if target[0] == "cls":
            init = scan.ev.class_attr(target[1], target[2], "__init__", True)
            target = init[0] if init and init[0][0] == "meth" else None
        if target is None or target[0] not in ("fn", "meth"):
            continue
        pfn = scan.p.function(target[1], target[2])
        if pfn is None:
            continue
        roots.append(Root(target[1], target[2], line, pfn.qualname, path, marker[1] and not pfn.is_async))
        roots.extend(dependency_roots(scan, target[1], pfn, depth + 1))
    return roots

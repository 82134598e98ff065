"""Unsafe: a light call whose result the response does not use -> `background_tasks.add_task(...)`.

Frameworks with background tasks (FastAPI, Starlette: the `background_tasks` section of their
framework file says which parameter types receive them and what to import) run them after the
response is sent, in the same process: the user no longer waits, but the work is not retried and
competes with other requests, so the remedy offers this for bounded (`blocking`) work only, never
for heavy work. The handler gains such a parameter (or reuses the one it has); it stays a `def` or
`async def` as it was.

Unsafe because the call now runs after the response: what follows it in the handler no longer
sees its effects, and its errors no longer reach the client. Not rewritten: a call whose value
is used, a call inside `try` (its handler would never run) or `with`, a call that is awaited.
"""
from __future__ import annotations

from typing import Optional

import libcst as cst

from .changes import Changes, ImportChange
from .source import SourceFile
from .codemod_base import Codemod, Target, call_with_callee, dotted, hop_call, names_bound_in, unique_name

class FastapiBackgroundTask(Codemod):
    name = "fastapi-background-task"
    safety = "unsafe"

    def plan(self, target: Target, changes: Changes) -> Optional[str]:
        handler = target.handler
        if handler is None or not handler.function:
            return "the work is started by the framework, not by a handler's body"
        framework = target.remedies.framework(handler.framework)
        spec = framework.background_tasks if framework is not None else None
        if spec is None:
            return f"{handler.framework} endpoints have no background tasks (no `background_tasks` in its framework file)"
        source, call, reason = hop_call(target, 0)
        if call is None or source is None:
            return reason
        function = source.function(handler.qualname)
        if function is None or source.enclosing_scope(call) is not function:
            return "the call is not directly in the endpoint's body"
        statement = source.parent(call)
        if not isinstance(statement, cst.Expr) or statement.value is not call:
            return "the response uses the call's result, so it cannot run after the response"
        for ancestor in source.ancestors(call):
            if ancestor is function:
                break
            if isinstance(ancestor, (cst.Try, cst.TryStar, cst.With)):
                return "the call is inside `try`/`with`: after the response its errors would not be handled there"
        file = changes.file(source)
        if file.inside_claimed(call):
            return "another fix rewrites this handler"
        key = ("background-tasks-parameter", function)
        name = file.memo.get(key)
        if name is None:
            name = _background_param(source, function, spec.types)
            if name is None:
                reason = _can_add_param(function)
                if reason:
                    return reason
                name = unique_name("background_tasks", names_bound_in(function))
                file.add(function, self.name, _add_param(name, spec.import_.bound), order=10)
                file.add_imports.append(ImportChange(spec.import_.module, spec.import_.name, spec.import_.asname))
            file.memo[key] = name

        def edit(_original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.Call)
            return call_with_callee(f"{name}.add_task", updated.func, updated)

        file.add(call, self.name, edit, order=10)
        return None


def _background_param(source: SourceFile, function: cst.FunctionDef, types: tuple[str, ...]) -> Optional[str]:
    params = [*function.params.posonly_params, *function.params.params, *function.params.kwonly_params]
    for param in params:
        if param.annotation is None:
            continue
        names = source.qualified_names(param.annotation.annotation)
        if any(n in types for n in names):
            return param.name.value
    return None


def _can_add_param(function: cst.FunctionDef) -> Optional[str]:
    if function.params.posonly_params:
        return "the endpoint has positional-only parameters"
    return None


def _add_param(name: str, annotation: str):  # type: ignore[no-untyped-def]
    def edit(_original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(updated, cst.FunctionDef)
        params = list(updated.params.params)
        new = cst.Param(name=cst.Name(name), annotation=cst.Annotation(dotted(annotation)))
        index = next((i for i, p in enumerate(params) if p.default is not None), len(params))
        params = _insert(params, index, new, updated.params)
        return updated.with_changes(params=updated.params.with_changes(params=params))
    return edit


def _insert(params: list[cst.Param], index: int, new: cst.Param, whole: cst.Parameters) -> list[cst.Param]:
    """Insert a parameter, copying the separator style of its neighbours (one a line or inline)."""
    more_after = index < len(params) or whole.star_arg is not cst.MaybeSentinel.DEFAULT or bool(
        whole.kwonly_params) or whole.star_kwarg is not None
    if index < len(params):
        sep = params[index - 1].comma if index > 0 else params[index].comma
        if not isinstance(sep, cst.Comma):
            sep = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        return [*params[:index], new.with_changes(comma=sep), *params[index:]]
    if params:
        last = params[-1]
        if isinstance(last.comma, cst.Comma):  # trailing comma, or more parameters after
            prev = params[-2].comma if len(params) > 1 and isinstance(params[-2].comma, cst.Comma) else last.comma
            return [*params[:-1], last.with_changes(comma=prev), new.with_changes(comma=last.comma)]
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        return [*params[:-1], last.with_changes(comma=comma),
                new.with_changes(comma=comma) if more_after else new]
    if more_after:
        return [new.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))]
    return [new]

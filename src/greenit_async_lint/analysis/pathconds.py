"""Path sensitivity where it is cheap: constant arguments prune the branches their parameters guard.

A function's effects are computed once, whatever its callers pass (reach.py memoises them). So a
call site under an `if` whose test reads only one parameter of its function (`if not dry_run:`,
`if auto_unlink:`, `if mode == "inline"`, `if x is None`, and their `else`) gives the effects
reached through it a condition on that parameter (`Effect.conds`, as (parameter, test) pairs).
Each caller's call site then binds its arguments to the parameters (by position, by keyword, or
the parameter's default when not passed) and decides them:

- a constant argument that makes the test false drops the effect (`clean(root, dry_run=True)`
  never reaches the `rmtree` under `if not dry_run`);
- a constant that makes it true, or an argument that is not a constant, clears the condition and
  keeps the effect.

So conditions travel one hop only: the call site that resolves them is the last to see them, and
a handler's own conditions (its parameters are request data) are cleared before findings.
Known limits: a constant reaches only the function it is passed to (a flag forwarded through a
second helper is not followed); a parameter the function assigns is never taken as a condition.
"""
from __future__ import annotations

import ast
from dataclasses import replace
from typing import Iterable, Optional

from .effects import Effect
from .ir import Arg, CallSite, Const, Expr, Function, Guard, Name, Param, Scalar, Star
from .project import Ctx, Project
from .values import Callee, MethodRef

Cond = tuple[str, str]  # (parameter name, test): see `guard_test` and `holds`

_KINDS = frozenset({"truth", "none", "eq", "is"})
_UNKNOWN = object()  # an argument whose value is not a constant


def guard_test(guard: Guard) -> str:
    """The test a guard applies to its parameter, as a hashable string: `!` for the negated branch,
    the kind, and the constant compared with (`!truth`, `none`, `eq:'inline'`, `!is:False`)."""
    text = guard.kind if guard.kind in ("truth", "none") else f"{guard.kind}:{guard.value!r}"
    return f"!{text}" if guard.negated else text


def holds(test: str, value: Scalar) -> bool:
    """Whether the test is true when the parameter holds the constant `value`."""
    negated = test.startswith("!")
    kind, _, constant = test.lstrip("!").partition(":")
    if kind == "truth":
        result = bool(value)
    elif kind == "none":
        result = value is None
    else:
        try:
            expected = ast.literal_eval(constant)
        except (ValueError, SyntaxError):  # a constant with no literal (`1e999` is inf): undecided
            return True
        result = value is expected if kind == "is" else value == expected
    return result != negated


def param_conds(guards: Iterable[Guard], fn: Optional[Function]) -> tuple[Cond, ...]:
    """The conditions a call site's guards put on its function's parameters."""
    if fn is None:
        return ()
    names = _parameters(fn)
    out: list[Cond] = []
    for guard in guards:
        subject = guard.subject
        if guard.kind in _KINDS and isinstance(subject, Name) and subject.id in names:
            out.append((subject.id, guard_test(guard)))
    return tuple(out)


def _parameters(fn: Function) -> frozenset[str]:
    """The parameters a caller binds and the body never reassigns (`self` and `cls` excluded)."""
    params = [p for p in fn.params if p.kind in ("pos", "kwonly")]
    if params and fn.cls is not None and fn.kind in ("method", "classmethod", "property"):
        params = params[1:]
    return frozenset(p.name for p in params if p.name not in fn.scope.names)


def bound_arguments(fn: Function, args: tuple[Arg, ...], kwargs: tuple[tuple[Optional[str], Expr], ...],
                    offset: int) -> dict[str, object]:
    """What a call passes to each named parameter: the constant, `_UNKNOWN`, or the default.
    `offset` is 1 when the call is on a bound method (its `self` is not in `args`)."""
    positional = [p for p in fn.params if p.kind == "pos"][offset:]
    out: dict[str, object] = {}
    starred = False
    for i, arg in enumerate(args):
        if isinstance(arg, Star):
            starred = True
            break
        if i < len(positional):
            out[positional[i].name] = _constant(arg)
    spread = False
    for name, value in kwargs:
        if name is None:
            spread = True
        else:
            out[name] = _constant(value)
    for param in fn.params:
        if param.name in out or param.kind not in ("pos", "kwonly"):
            continue
        # Not passed: a *args or **kwargs at the call site may carry it; otherwise its default.
        out[param.name] = _UNKNOWN if starred or spread else _default(param)
    return out


def _constant(expr: Expr) -> object:
    return expr.value if isinstance(expr, Const) else _UNKNOWN


def _default(param: Param) -> object:
    return _constant(param.default) if param.default is not None else _UNKNOWN


def resolve(effects: Iterable[Effect], fn: Function, cs: CallSite, offset: int) -> list[Effect]:
    """The callee's effects as this call site sees them: those a constant argument rules out are
    dropped, every other condition is cleared."""
    out: list[Effect] = []
    bound: Optional[dict[str, object]] = None
    for effect in effects:
        if not effect.conds:
            out.append(effect)
            continue
        if bound is None:
            bound = bound_arguments(fn, cs.args, cs.kwargs, offset)
        if all(_possible(test, bound.get(name, _UNKNOWN)) for name, test in effect.conds):
            out.append(replace(effect, conds=()))
    return out


def _possible(test: str, value: object) -> bool:
    if value is _UNKNOWN:
        return True
    assert value is None or isinstance(value, (str, int, float, bool))
    return holds(test, value)


def attach(effects: list[Effect], conds: tuple[Cond, ...]) -> list[Effect]:
    """The effects reached through a call site, with its own conditions only: what came up from a
    callee was resolved (or is cleared) at this call site."""
    if not conds:
        return [replace(e, conds=()) if e.conds else e for e in effects]
    return [replace(e, conds=conds) for e in effects]


def cleared(effects: Iterable[Effect]) -> list[Effect]:
    """A handler's effects: its parameters are request data, so its own conditions say nothing."""
    return [replace(e, conds=()) if e.conds else e for e in effects]


class PathConditions:
    """The two hooks of the walk (reach.py): a call site's own conditions, and the resolution of a
    callee's conditions with the arguments of the call site that reaches it."""

    def __init__(self, project: Project) -> None:
        self.p = project

    def own(self, effects: list[Effect], cs: CallSite, ctx: Ctx) -> list[Effect]:
        fn = self.p.function(ctx.module, ctx.function) if cs.guards and ctx.function is not None else None
        return attach(effects, param_conds(cs.guards, fn))

    def resolve(self, effects: list[Effect], target: Callee, cs: CallSite) -> list[Effect]:
        if not any(e.conds for e in effects):
            return effects
        fn = self.p.function(target.module, target.qualname)
        if fn is None:
            return attach(effects, ())
        offset = 1 if isinstance(target, MethodRef) and fn.kind != "staticmethod" else 0
        return resolve(effects, fn, cs, offset)

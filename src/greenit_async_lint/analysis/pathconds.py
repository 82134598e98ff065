"""Path sensitivity where it is cheap: arguments prune the branches their parameters guard.

A function's effects are computed once, whatever its callers pass (reach.py memoises them). So a
call site under an `if` whose test reads only one parameter of its function (`if not dry_run:`,
`if auto_unlink:`, `if mode == "inline"`, `if x is None`, `if isinstance(data, Path)`, and their
`else`) gives the effects reached through it a condition on that parameter (`Effect.conds`, as
(parameter, test) pairs). Each caller's call site then binds its arguments to the parameters (by
position, by keyword, or the parameter's default when not passed) and decides them:

- a constant argument that makes the test false drops the effect (`clean(root, dry_run=True)`
  never reaches the `rmtree` under `if not dry_run`); so does an argument of a known type that
  fails an `isinstance` test, or a constructed object for `is None` (argfacts.py);
- the caller's own parameter passed on (or a parameter whose caller omits it, so that its default
  applies) moves the condition up: it is re-expressed on the caller's parameter and decided by
  the caller's caller (`outer(dry_run=True)` -> `clean(root, dry_run)` -> `if not dry_run`);
- anything else clears the condition and keeps the effect: unknown stays reported.

A handler's own conditions (its parameters are request data) are cleared before findings, and so
are the conditions of effects reached without binding arguments (a signal receiver, a function
passed to a thread: reach.py asks for them cleared). A parameter the function assigns is never
taken as a condition, and an effect carries at most `_MAX_CONDS` of them (dropping one only keeps
more work).
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Callable, Iterable, Optional

from .argfacts import UNKNOWN_ARG, ArgFacts, ParamRef, TypeFact, literal_type
from .effects import Effect, replace
from .fieldconds import UNKNOWN_FIELD, FieldValues, SettingValue, stable
from .ir import Arg, Attr, Call, CallSite, Const, Expr, Function, Guard, Keyword, Name, Param, Scalar, Star
from .parameters import bind
from .project import Ctx, Project
from .values import Callee, External, MethodRef

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator

Cond = tuple[str, str]  # (parameter name, test): see `guard_test` and `holds`

_KINDS = frozenset({"truth", "none", "eq", "is", "in"})
_UNKNOWN = UNKNOWN_ARG  # an argument nothing is known of
_MAX_CONDS = 6
_ISINSTANCE = "isinstance:"
Tested = Callable[[Expr], Optional[frozenset[str]]]  # the classes an isinstance test names


def guard_test(guard: Guard) -> str:
    """The test a guard applies to its parameter, as a hashable string: `!` for the negated branch,
    the kind, and the constant compared with (`!truth`, `none`, `eq:'inline'`, `!is:False`)."""
    text = guard.kind if guard.kind in ("truth", "none") else \
        f"in:{guard.value}" if guard.kind == "in" else f"{guard.kind}:{guard.value!r}"  # `in` keeps a literal
    return f"!{text}" if guard.negated else text


def holds(test: str, value: Scalar) -> bool:
    """Whether the test is true when the parameter holds the constant `value`."""
    negated = test.startswith("!")
    kind, _, constant = test.lstrip("!").partition(":")
    if kind == "truth":
        result = bool(value)
    elif kind == "none":
        result = value is None
    elif kind == "isinstance":  # only the literal's own type and its bases pass (argfacts.py)
        own = literal_type(value)
        result = own is not None and (own in constant.split("|") or "builtins.object" in constant.split("|")
                                      or (own == "builtins.bool" and "builtins.int" in constant.split("|")))
    else:
        try:
            expected = ast.literal_eval(constant)
        except (ValueError, SyntaxError):  # a constant with no literal (`1e999` is inf): undecided
            return True
        result = value is expected if kind == "is" else value in expected if kind == "in" else value == expected
    return result != negated


def param_conds(guards: Iterable[Guard], fn: Optional[Function], tested: Optional[Tested] = None) -> tuple[Cond, ...]:
    """The conditions a call site's guards put on its function's parameters; `tested` names the
    classes of an `isinstance(param, ...)` test (without it those tests are not conditions)."""
    if fn is None:
        return ()
    names = _parameters(fn)
    out: list[Cond] = []
    for guard in guards:
        subject = guard.subject
        if guard.kind in _KINDS and isinstance(subject, Name) and subject.id in names:
            out.append((subject.id, guard_test(guard)))
        elif (guard.kind in _KINDS and isinstance(subject, Attr) and isinstance(subject.base, Name)
              and subject.base.id in names and stable(fn, subject.base.id, subject.attr)):
            out.append((f"{subject.base.id}.{subject.attr}", guard_test(guard)))  # a field: fieldconds.py
        elif guard.kind == "truth" and tested is not None and _isinstance_of(subject, names):
            assert isinstance(subject, Call) and isinstance(subject.args[0], Name)
            classes = tested(subject.args[1])  # type: ignore[arg-type]
            if classes:
                test = _ISINSTANCE + "|".join(sorted(classes))
                out.append((subject.args[0].id, f"!{test}" if guard.negated else test))
    return tuple(out)


def _isinstance_of(subject: Expr, names: frozenset[str]) -> bool:
    return (isinstance(subject, Call) and isinstance(subject.func, Name) and subject.func.id == "isinstance"
            and len(subject.args) == 2 and not subject.kwargs and isinstance(subject.args[0], Name)
            and subject.args[0].id in names and not isinstance(subject.args[1], Star))


def _parameters(fn: Function) -> frozenset[str]:
    """The parameters a caller binds and the body never reassigns (`self` and `cls` excluded)."""
    params = [p for p in fn.params if p.kind in ("pos", "kwonly")]
    if params and fn.cls is not None and fn.kind in ("method", "classmethod", "property"):
        params = params[1:]
    return frozenset(p.name for p in params if p.name not in fn.scope.names)


def omitted(fn: Function, name: str, args: tuple[Arg, ...], kwargs: tuple[Keyword, ...]) -> object:
    """What the parameter `name` holds when the call does not pass it (parameters.bind leaves it
    out): unknown when a `*args` or `**kwargs` at the call site may carry it, else its default (a
    constant or unknown; the callee's, never a fact of the caller's). Only a condition reads
    defaults: `clean(root)` decides `if not dry_run` by `dry_run=False`."""
    if any(isinstance(a, Star) for a in args) or any(key is None for key, _ in kwargs):
        return _UNKNOWN
    param = next((p for p in fn.params if p.name == name and p.kind in ("pos", "kwonly")), None)
    return _default(param) if param is not None else _UNKNOWN


def _constant(expr: Expr) -> object:
    return expr.value if isinstance(expr, Const) else _UNKNOWN


def _default(param: Param) -> object:
    return _constant(param.default) if param.default is not None else _UNKNOWN


def resolve(effects: Iterable[Effect], value_of: Callable[[str], object],
            decide: Optional[Callable[[str, TypeFact], Optional[bool]]] = None) -> list[Effect]:
    """The callee's effects as this call site sees them: those an argument rules out are dropped,
    a condition on a parameter the caller passes on is re-expressed on the caller's parameter, every
    other condition is cleared. `value_of(parameter)` gives what the call passes (a constant, a
    ParamRef, a TypeFact or _UNKNOWN)."""
    out: list[Effect] = []
    for effect in effects:
        if not effect.conds:
            out.append(effect)
            continue
        carried: list[Cond] = []
        possible = True
        reason = ""
        for name, test in effect.conds:
            value = value_of(name)
            if isinstance(value, SettingValue):
                if not holds(test, value.value) and not reason:  # a deployment may still change it
                    reason = f"runs only when `{value.text}` is {_wording(test)}; its default is {value.value!r}"
            elif isinstance(value, ParamRef):
                if (value.name, test) not in carried:
                    carried.append((value.name, test))
            elif not _possible(test, value, decide):
                possible = False
                break
        if possible:
            out.append(replace(effect, conds=tuple(carried[:_MAX_CONDS]), guard=effect.guard or reason))
    return out


def _wording(test: str) -> str:
    """What the setting must be for the branch to run: `false`, `None`, `not 'inline'`..."""
    negated = test.startswith("!")
    kind, _, constant = test.lstrip("!").partition(":")
    if kind == "truth":
        return "false" if negated else "true"
    if kind == "none":
        return "set" if negated else "None"
    return f"not {constant}" if negated else constant


def _possible(test: str, value: object, decide: Optional[Callable[[str, TypeFact], Optional[bool]]]) -> bool:
    if value is _UNKNOWN:
        return True
    if isinstance(value, TypeFact):
        result = decide(test, value) if decide is not None else None
        return True if result is None else result
    assert value is None or isinstance(value, (str, int, float, bool))
    return holds(test, value)


def attach(effects: list[Effect], conds: tuple[Cond, ...]) -> list[Effect]:
    """The effects reached through a call site, with the conditions carried up from the callee
    (already re-expressed on this function's parameters by `resolve`) and its own."""
    if not conds:
        return effects
    out = []
    for effect in effects:
        merged = effect.conds + tuple(c for c in conds if c not in effect.conds)
        out.append(replace(effect, conds=merged[:_MAX_CONDS]))
    return out


def cleared(effects: Iterable[Effect]) -> list[Effect]:
    """Effects whose conditions no call site binds: a handler's (its parameters are request data),
    a signal receiver's, a function's handed to a thread."""
    return [replace(e, conds=()) if e.conds else e for e in effects]


def decide_type(facts: ArgFacts, test: str, value: TypeFact) -> Optional[bool]:
    """Whether an argument of a known type passes the test; None when undecided."""
    negated = test.startswith("!")
    kind, _, constant = test.lstrip("!").partition(":")
    if kind == "none" and value.exact:  # constructed right there: not None
        return negated
    if kind == "isinstance":
        result = facts.is_instance(value.types, value.exact, frozenset(constant.split("|")))
        return None if result is None else result != negated
    return None


class PathConditions:
    """The two hooks of the walk (reach.py): a call site's own conditions, and the resolution of a
    callee's conditions with the arguments of the call site that reaches it."""

    def __init__(self, project: Project, evaluator: Evaluator) -> None:
        self.p = project
        self.ev = evaluator
        self.facts = ArgFacts(project, evaluator)
        from .settingdefaults import NO_DEFAULT, SettingDefaults  # it reads this module's tests
        self.defaults = SettingDefaults(project, evaluator, evaluator.cat.offloads)
        self.fields = FieldValues(project, evaluator, self.defaults, NO_DEFAULT)

    def own(self, effects: list[Effect], cs: CallSite, ctx: Ctx) -> list[Effect]:
        fn = self.p.function(ctx.module, ctx.function) if cs.guards and ctx.function is not None else None
        if fn is None:
            return effects
        tested = (lambda e: self._tested(e, fn, ctx))
        return attach(effects, param_conds(cs.guards, fn, tested))

    def _tested(self, expr: Expr, fn: Function, ctx: Ctx) -> Optional[frozenset[str]]:
        if self.ev.eval(Name("n", "isinstance"), self.p.defining_ctx(ctx.module, fn)) != (
                External("ext", "builtins.isinstance"),):
            return None  # a project's own `isinstance`
        return self.facts.tested(expr, ctx)

    def resolve(self, effects: list[Effect], target: Callee, cs: CallSite, ctx: Ctx) -> list[Effect]:
        if not any(e.conds for e in effects):
            return effects
        fn = self.p.function(target.module, target.qualname)
        if fn is None:
            return cleared(effects)
        caller = self.p.function(ctx.module, ctx.function) if ctx.function is not None else None
        params = _parameters(caller) if caller is not None else frozenset()
        bound = bind(fn, isinstance(target, MethodRef), cs.args, cs.kwargs)
        facts: dict[str, object] = {}  # what each argument tells (argfacts.py), read when a condition asks

        def value_of(name: str) -> object:
            base, dot, attr = name.partition(".")
            passed = bound.get(base)
            if base not in facts:
                facts[base] = omitted(fn, base, cs.args, cs.kwargs) if passed is None else self.facts.fact(
                    passed, ctx, params)
            value = facts[base]
            if not dot:
                if (value is _UNKNOWN or isinstance(value, TypeFact)) and isinstance(passed, Attr):
                    setting = self.defaults.argument_default(passed, ctx)
                    if setting is not None:
                        return SettingValue(*setting)
                    if value is _UNKNOWN and isinstance(passed.base, Name) and passed.base.id in params and caller:
                        # `config.flag` of the caller's own parameter: a field condition one hop up
                        return ParamRef(f"{passed.base.id}.{passed.attr}") if stable(
                            caller, passed.base.id, passed.attr, cs) else value
                return value
            if isinstance(value, ParamRef):  # moved up if the caller leaves the field alone too
                return ParamRef(f"{value.name}.{attr}") if caller and stable(caller, value.name, attr, cs) else _UNKNOWN
            found = self.fields.value(passed, attr, ctx, cs) if isinstance(passed, (Name, Call)) else UNKNOWN_FIELD
            return _UNKNOWN if found is UNKNOWN_FIELD else found

        return resolve(effects, value_of, lambda test, value: decide_type(self.facts, test, value))

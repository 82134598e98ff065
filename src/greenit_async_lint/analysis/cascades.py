"""ORM cascade deletes (the data-volume family): deleting one object whose model declares a
collection relationship with a delete cascade (`relationship("Grant", cascade="all, delete")`,
volume.yaml `cascade-deletes`) makes the ORM load every related row and delete it, one object at
a time: work that grows with the data (the users holding the role), heavy in any handler.

The relationship is read from the model's class body in the summary (relationships.py), never by
importing the model. What the deleted
object is comes from evaluating the call's argument. In a generic helper (`BaseRepository.delete(
self, object: M)`, `M` a TypeVar) the parameter says nothing: the effect then waits, with weight
"pending" and the parameter's name (`Effect.pending`), for the call site that binds it, which
evaluates its own argument (`repository.delete(role)`: a `Role`); a caller that hands over a
parameter of its own passes the question on, one level of context per call.
"""
from __future__ import annotations

from typing import Optional

from ..catalogue import Catalogue
from .effects import Effect, Hop, replace
from .evaluate import Evaluator
from .ir import Arg, Call, CallSite, Expr, Name, Star
from .parameters import bind
from .project import BoundExpr, Ctx, Project
from .relationships import ModelCascades
from .values import Callee, ClassKey, ClassRef, External, Instance, MethodRef, Value

FAMILY = "data-volume"


class CascadeDeletes:
    def __init__(self, project: Project, evaluator: Evaluator, catalogue: Catalogue) -> None:
        self.p = project
        self.ev = evaluator
        self.rules = catalogue.volume.cascades
        self.code = catalogue.family_code.get(FAMILY, "") if self.rules else ""
        self.models: ModelCascades = evaluator.relations.models  # the run's one reader of model class bodies

    # -- the walk's two hooks -----------------------------------------------------------------

    def effects(self, target: Value, cs: CallSite, ctx: Ctx, hop: Hop) -> list[Effect]:
        """A delete call's cascade: heavy when its argument is an object of a cascading model,
        pending when it is a parameter whose caller decides."""
        if not self.code or not isinstance(target, External) or target.name not in self.rules.deletes:
            return []
        arg = self._deleted(cs.args, cs.kwargs)
        if arg is None:
            return []
        detail = self.cascade_of(arg, ctx)
        if detail:
            return [Effect(FAMILY, self.code, "heavy", "any", target.name, (hop,), detail)]
        if isinstance(arg, Name) and self.p.own_param(arg.id, ctx) is not None:
            return [Effect(FAMILY, self.code, "pending", "any", target.name, (hop,), pending=arg.id)]
        return []

    def at_call(self, effects: list[Effect], target: Callee, cs: CallSite, ctx: Ctx) -> list[Effect]:
        """A callee's pending deletes as this call site's arguments make them: heavy for an object of
        a cascading model, still pending for a parameter of the caller, dropped otherwise."""
        if not any(e.pending for e in effects):
            return effects
        fn = self.p.function(target.module, target.qualname)
        bound = bind(fn, isinstance(target, MethodRef), cs.args, cs.kwargs) if fn is not None else {}
        out: list[Effect] = []
        for effect in effects:
            if not effect.pending:
                out.append(effect)
                continue
            arg = bound.get(effect.pending)
            if arg is None:
                continue
            detail = self.cascade_of(arg, ctx)
            if detail:
                out.append(replace(effect, weight="heavy", pending="", detail=detail))
            elif isinstance(arg, Name) and self.p.own_param(arg.id, ctx) is not None:
                out.append(replace(effect, pending=arg.id))
        return out

    # -- what is deleted ----------------------------------------------------------------------

    @staticmethod
    def _deleted(args: tuple[Arg, ...], kwargs: tuple[tuple[Optional[str], Expr], ...]) -> Optional[Expr]:
        if args:
            return None if isinstance(args[0], Star) else args[0]
        return next((value for key, value in kwargs if key == "instance"), None)

    def _created_here(self, expr: Expr, ctx: Ctx) -> bool:
        """`workspace = Workspace(...)` in this function (then deleted when a later step fails): an
        object the request built holds only the related rows the request added, not the table's."""
        if not isinstance(expr, Name) or ctx.function is None:
            return False
        return any(isinstance(b, BoundExpr) and b.ctx.function == ctx.function and isinstance(b.binding, Call)
                   and any(isinstance(v, ClassRef) for v in self.ev.eval(b.binding.func, b.ctx))
                   for b in self.p.bindings(expr.id, ctx))

    def cascade_of(self, expr: Expr, ctx: Ctx) -> str:
        """What deleting the object an expression holds cascades to, worded for the message, or ''."""
        if self._created_here(expr, ctx):
            return ""
        return next((text for key in self._models_of(expr, ctx) for text in [self.models.model(*key)] if text), "")

    def _models_of(self, expr: Expr, ctx: Ctx) -> list[ClassKey]:
        """The model classes of the objects an expression may hold: instances, one object a model's
        query gives back (`loads-one`), the model a session lookup is given (`first-arg`)."""
        found: list[ClassKey] = []
        for value in self.ev.eval(expr, ctx):
            if isinstance(value, Instance):
                found.append((value.module, value.qualname))
            elif isinstance(value, External) and value.subject is not None and value.name in self.rules.loads_one:
                found.append(value.subject)
        calls = [(expr, ctx)] if isinstance(expr, Call) else [
            (b.binding, b.ctx) for b in self.p.bindings(expr.id, ctx)
            if isinstance(b, BoundExpr) and isinstance(b.binding, Call)] if isinstance(expr, Name) else []
        for call, where in calls:
            if call.args and not isinstance(call.args[0], Star) and any(
                    isinstance(v, External) and v.name in self.rules.first_arg for v in self.ev.eval(call.func, where)):
                found.extend((v.module, v.qualname) for v in self.ev.eval(call.args[0], where) if isinstance(v, ClassRef))
        return found

"""Query chains pinned to one object by the model's own schema (read by volume.py).

parts.py bounds a chain by its names (`<Parent><Parts>` by `<parent>_id`) and by two pinned
equalities. This module reads the queried model's class body in the summary, as
relationships.py does for cascades, and bounds a chain whose equality filter
(`filter(Team.organization_id == org.id)`, `filter_by(user=user)`, `where(...)` of the statement
a session runs) is on:

- a column that names one row: `primary_key=True` or `unique=True` in its declaration;
- the model's foreign key (a `ForeignKey` column, or the relationship it backs) when the model's
  rows are that parent's own parts: it has no other required foreign key (relationships.py
  `links`: a team of one organization, the codes of one user). That is the relation
  `organization.teams` written as a query, which a loop already takes as bounded. A model that
  links two tables (a role of a user in a project, a subscription to a price) grows with the
  other table and stays unbounded, as `user_delete`'s projects of one user through its roles do,
  unless the parent loads them with itself (an `eager-loads` relationship: a customer's
  subscriptions, `relationship(lazy=False)`), which its author would not do with a large table.

A chain returned by a project helper (`for team in self.get_teams(org_id)`) is read in the
helper. Known limit: a log table whose only foreign key is its owner's (a `UserEvent` of one
user) is taken as bounded, as `user.events` already is; one named `Event` with a second
required key (the project it is about) is not.
"""
from __future__ import annotations

from typing import Callable, Optional

from ..catalogue.volume import VolumeRules
from .evaluate import Evaluator
from .ir import Attr, Binding, Call, Const, Expr, Name, Star, Subscript
from .parts import equalities, model_name
from .project import BoundExpr, Ctx, Project
from .relationships import ModelCascades
from .values import ClassKey, ClassRef, External, FunctionRef, MethodRef

Picked = Callable[[Expr, Ctx, bool], bool]  # a test on a chain, where it is read, and whether its rows are its own


class PinnedRows:
    def __init__(self, project: Project, evaluator: Evaluator, models: ModelCascades, volume: VolumeRules) -> None:
        self.p = project
        self.ev = evaluator
        self.models = models
        self.rules = volume.cascades
        self.lookups = volume.range_lookups
        self.primary_keys = volume.primary_keys
        self.parent_keys = volume.parent_keys
        self.eager = volume.eager_loads
        self._by_name: Optional[dict[str, list[ClassKey]]] = None
        self._eager: Optional[set[tuple[str, str]]] = None  # (parent class, child class), lower case

    def chain(self, expr: Expr, ctx: Ctx, picked: Picked, depth: int = 0) -> bool:
        """The test on a query chain, on the chain a name was bound to (`rows = X.query.filter(...)`
        then `for r in rows.all()`), or on what a project helper returns (one level). `picked`'s
        last argument says whether the rows are the chain's own: not through a field of the
        object it gives (`job = get(Job, pk)`, then `job.items`: a relation, not that one row)."""
        root, own = expr, True
        while isinstance(root, (Call, Attr)):
            if isinstance(root, Attr) and isinstance(root.base, Attr):
                own = False  # `job.items.filter`: a field of the bound object
            root = root.func if isinstance(root, Call) else root.base
        if picked(expr, ctx, True):
            return True
        if isinstance(root, Name) and any(
                isinstance(b, BoundExpr) and isinstance(b.binding, (Call, Attr)) and (
                    picked(b.binding, b.ctx, own) or depth == 0 and own and isinstance(b.binding, Call)
                    and self._returned(b.binding, b.ctx, picked, depth))
                for b in self.p.bindings(root.id, ctx)):
            return True
        return depth == 0 and isinstance(expr, Call) and self._returned(expr, ctx, picked, depth)

    def _returned(self, call: Call, ctx: Ctx, picked: Picked, depth: int) -> bool:
        """`self.get_teams(org_id)`: every chain the helper returns passes the test."""
        found = False
        for value in self.ev.eval(call.func, ctx):
            if not isinstance(value, (FunctionRef, MethodRef)):
                continue
            fn = self.p.function(value.module, value.qualname)
            if fn is None or fn.generator or not fn.return_values:
                return False
            fctx = Ctx(value.module, value.qualname, value.receiver if isinstance(value, MethodRef) else None)
            if not all(self.chain(rv, fctx, picked, depth + 1) for rv in fn.return_values):
                return False
            found = True
        return found

    def one_object(self, chain: Expr, ctx: Ctx) -> bool:
        """A chain pinned by equality on a unique column of its model, or on its foreign key to a
        parent whose own parts its rows are."""
        model = model_name(chain)
        keys = [key for owner, key in equalities(chain, self.lookups) if not owner or owner == model]
        if not model or not keys:
            return False
        classes = self._classes(model, ctx)
        return any(self._pins(cls, key) for cls in classes for key in keys)

    def _pins(self, key: ClassKey, attr: str) -> bool:
        if attr in self.primary_keys:
            return True
        for cmi, cq in self.ev.classes.mro(*key)[0]:
            cls = self.p.klass(cmi, cq)
            declared = [b for b in cls.attrs.get(attr, ()) if isinstance(b, Call)] if cls is not None else []
            if not declared or cls is None:
                continue
            ctx = self.p.class_ctx(cmi, cls)
            if any(_flag(c, "primary_key") or _flag(c, "unique") for c in declared):
                return True
            if any(self._foreign(c, ctx, 0) or self._relationship(c, ctx) for c in declared):
                return not self.models.links(key) or self._eagerly_loaded(key[1], attr)
            return False
        return False

    def _eagerly_loaded(self, child: str, key: str) -> bool:
        """The parent the key names (`stripe_customer_id`: StripeCustomer) loads this model's rows
        with itself (`subscriptions = relationship(lazy=False)`): its author made them part of it."""
        stem = next((key[:-len(s)] for s in self.parent_keys if key.endswith(s) and len(key) > len(s)), key)
        if self._eager is None:
            self._eager = set()
            for mi, module in enumerate(self.p.mods):
                for qualname, cls in module.classes.items():
                    if cls.parent is None and "." not in qualname:
                        ctx = self.p.class_ctx(mi, cls)
                        self._eager.update((cls.name.lower(), target.lower()) for name, bindings in cls.attrs.items()
                                           for target in self._eager_targets(bindings, cls.annotations.get(name), ctx))
        return (stem.replace("_", "").lower(), child.rsplit(".", 1)[-1].lower()) in self._eager

    def _eager_targets(self, bindings: list[Binding], annotation: Optional[Expr], ctx: Ctx) -> list[str]:
        """The class an eagerly loaded relationship declaration names (`relationship("X", lazy="joined")`,
        or the innermost name of `Mapped[list[X]]`)."""
        out: list[str] = []
        for call in bindings:
            if not isinstance(call, Call) or not any(
                    k == "lazy" and isinstance(v, Const) and str(v.value).lower() in self.eager for k, v in call.kwargs):
                continue
            if not self._relationship(call, ctx):
                continue
            target: Optional[Expr] = call.args[0] if call.args and not isinstance(call.args[0], Star) else annotation
            while isinstance(target, Subscript):
                target = target.key
            if isinstance(target, Name):
                out.append(target.id)
            elif isinstance(target, Const) and isinstance(target.value, str):
                out.append(target.value.rsplit(".", 1)[-1].strip("\"'"))
        return out

    def _foreign(self, call: Call, ctx: Ctx, depth: int) -> bool:
        if any(isinstance(v, External) and v.name in self.rules.foreign_keys for v in self.ev.eval(call.func, ctx)):
            return True
        return depth < 2 and any(isinstance(a, Call) and self._foreign(a, ctx, depth + 1) for a in call.args)

    def _relationship(self, call: Call, ctx: Ctx) -> bool:
        return any(isinstance(v, External) and v.name in self.rules.relationships for v in self.ev.eval(call.func, ctx))

    def _classes(self, model: str, ctx: Ctx) -> list[ClassKey]:
        found = [(v.module, v.qualname) for v in self.ev.eval(Name("n", model), ctx) if isinstance(v, ClassRef)]
        if found:
            return found
        if self._by_name is None:  # `models.Team`: the project's top-level classes of that name
            self._by_name = {}
            for mi, module in enumerate(self.p.mods):
                for qualname, cls in module.classes.items():
                    if cls.parent is None and "." not in qualname:
                        self._by_name.setdefault(qualname, []).append((mi, qualname))
        return self._by_name.get(model, [])


def _flag(call: Call, keyword: str) -> bool:
    return any(k == keyword and isinstance(v, Const) and v.value is True for k, v in call.kwargs)

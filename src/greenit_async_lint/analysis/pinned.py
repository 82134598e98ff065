"""Query chains pinned to one object by the model's own schema (read by volume.py).

parts.py bounds a chain by its names (`<Parent><Parts>` by `<parent>_id`) and by two pinned
equalities. This module asks relationships.py (`ModelCascades`, the one reader of model class
bodies, with the ORM's words from volume.yaml `cascade-deletes`) what the queried model's class
body declares, and bounds a chain whose equality filter (`filter(Team.organization_id == org.id)`,
`filter_by(user=user)`, `where(...)` of the statement a session runs) is on:

- a column that names one row: `primary_key=True` or `unique=True` in its declaration
  (`unique-flags`);
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

from typing import Callable

from ..catalogue.volume import VolumeRules
from .evaluate import Evaluator
from .ir import Attr, Call, Expr, Name
from .parts import equalities, model_name, parent_name
from .project import BoundExpr, Ctx, Project
from .relationships import ModelCascades
from .values import ClassKey, ClassRef, FunctionRef, MethodRef

Picked = Callable[[Expr, Ctx, bool], bool]  # a test on a chain, where it is read, and whether its rows are its own


class PinnedRows:
    def __init__(self, project: Project, evaluator: Evaluator, models: ModelCascades, volume: VolumeRules) -> None:
        self.p = project
        self.ev = evaluator
        self.models = models  # what the model's class body says (relationships.py)
        self.lookups = volume.range_lookups
        self.primary_keys = volume.primary_keys
        self.parent_keys = volume.parent_keys

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
        found = [(v.module, v.qualname) for v in self.ev.eval(Name("n", model), ctx) if isinstance(v, ClassRef)]
        classes = found or self.models.classes_named(model)  # `models.Team`: the project's classes of that name
        return any(self._pins(cls, key) for cls in classes for key in keys)

    def _pins(self, key: ClassKey, attr: str) -> bool:
        if attr in self.primary_keys:
            return True
        declared = self.models.declared(key, attr)
        if declared is None:
            return False
        calls, ctx = declared
        if any(self.models.is_unique(c) for c in calls):
            return True
        if any(self.models.has_foreign_key(c, ctx) or self.models.is_relationship(c, ctx) for c in calls):
            return not self.models.links(key) or self._eagerly_loaded(key, attr)
        return False

    def _eagerly_loaded(self, child: ClassKey, key: str) -> bool:
        """The parent the key names (`stripe_customer_id`: StripeCustomer) loads this model's rows
        with itself (`subscriptions = relationship(lazy=False)`): its author made them part of it."""
        parent = parent_name(key, self.parent_keys)
        return any(cq.lower() == parent for _mi, cq in self.models.eager_parents(child))

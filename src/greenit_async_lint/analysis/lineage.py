"""Relations between models and how the project fills them (framework files' `relations`).

A foreign key on a child model (`job = ForeignKey(ImportJob, related_name="items")`) gives the
parent a relation read on an instance (`job.items`, an outside name whose subject is the parent):
a loop over it yields children (`Relations.elements`: what `for item in job.items.all()` binds).

How long such a loop is depends on the data, and the code says it in one place: where children
are created. One object's relations are few (an order's lines, a book's editions); but children
the project creates one per row of an unbounded collection, with the same parent for every row
(`for row in csv_reader: ImportItem(job=job, ...).save()`, one hop through a helper allowed),
are as many as that collection had: an import's items are as many as the uploaded rows, and a
later loop over `job.items` is as unbounded as the upload was (`Lineage.grown`). Children created
per row with the row as parent (`for user in users: Notice.objects.create(user=user)`) give each
parent one, and do not count.

Known limits: the parent must be known where the relation is read (an annotated parameter, a
model fetched in the function: `job.items` on an unannotated parameter is nothing); the helper
creating the child is followed one call up, not two; a parent named by a string (`"ImportJob"`)
is every top-level project class of that name (relationships.py `classes_named`); the foreign
key must be passed by keyword at the creation.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator, Optional

from ..catalogue import Catalogue
from ..catalogue.patterns import tails
from .ir import Call, CallSite, Const, Element, Name
from .parameters import arg_value
from .project import BoundExpr, Ctx, Project
from .relationships import ModelCascades
from .values import Candidates, ClassKey, ClassRef, External, FunctionRef, Instance, MethodRef, Value

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator
    from .volume import DataVolume


class Relations:
    def __init__(self, project: Project, evaluator: Evaluator, catalogue: Catalogue) -> None:
        self.p = project
        self.ev = evaluator
        self.rules = [fw.relations for fw in catalogue.frameworks if fw.relations is not None]
        # What a model's class body says (relationships.py): here, the classes a string names.
        volume = catalogue.volume
        self.models = ModelCascades(project, evaluator, volume.cascades, volume.list_types, volume.eager_loads)
        # The tails of the calls creating a child besides its class (`create`, `get_or_create`:
        # the frameworks' `relations.creates`); None when one is a glob (any call may be one).
        self.creates = tails(p for rule in self.rules for p in rule.creates.patterns())
        # (parent class, relation name) -> (child class, the foreign key's field name)
        self._index: Optional[dict[tuple[ClassKey, str], list[tuple[ClassKey, str]]]] = None

    def index(self) -> dict[tuple[ClassKey, str], list[tuple[ClassKey, str]]]:
        if self._index is not None:
            return self._index
        self._index = {}
        if not self.rules:
            return self._index
        for mi, module in enumerate(self.p.mods):
            for cq, cls in module.classes.items():
                ctx = self.p.class_ctx(mi, cls)
                for field, bindings in cls.attrs.items():
                    for b in bindings:
                        if isinstance(b, Call):
                            self._declare((mi, cq), cls.name, field, b, ctx)
        return self._index

    def _declare(self, child: ClassKey, child_name: str, field: str, call: Call, ctx: Ctx) -> None:
        for rule in self.rules:
            if not any(self._is_field(v) for v in self.ev.eval(call.func, ctx)):
                continue
            target = arg_value(call.args, call.kwargs, rule.parent)
            if target is None:
                return
            if isinstance(target, Const) and isinstance(target.value, str):  # "ImportJob", "app.ImportJob", "self"
                wanted = target.value.rsplit(".", 1)[-1]
                parents = [child] if wanted == "self" else self.models.classes_named(wanted)
            else:
                parents = [(v.module, v.qualname) for v in self.ev.eval(target, ctx) if isinstance(v, ClassRef)]
            named = arg_value(call.args, call.kwargs, rule.name) if rule.name is not None else None
            name = self.p.const_str(named, ctx) if named is not None else rule.default_name.format(
                child=child_name.lower())
            if name and name != "+" and self._index is not None:  # "+": no relation on the parent
                for parent in parents:
                    self._index.setdefault((parent, name), []).append((child, field))
            return

    def _is_field(self, value: Value) -> bool:
        if isinstance(value, External):
            return any(r.fields.match(value.name) for r in self.rules)
        if isinstance(value, ClassRef):  # a project subclass of the field class
            return any(r.fields.match(n) for r in self.rules for n in self.ev.classes.mro(value.module, value.qualname)[1])
        return False

    def children(self, value: External) -> list[tuple[ClassKey, str]]:
        """The child classes (and their foreign key's name) of the relation `value` is read from:
        `job.items.filter(...)` on an ImportJob gives ImportItem (its `job` field)."""
        if value.subject is None or not self.rules:
            return []
        index = self.index()
        classes, outside = self.ev.classes.mro(*value.subject)
        for base in outside:
            if value.name.startswith(base + "."):
                attr = value.name[len(base) + 1:].split(".", 1)[0]
                return [c for key in classes for c in index.get((key, attr), [])]
        return []

    def related(self, base: Instance, attr: str, found: list[Value]) -> list[Value]:
        """`alert.subscriptions` for `subscriptions = relationship("AlertSubscription")`: what the
        class attribute holds (`found`), the relationship declaration, is read as the related model's
        rows: an instance (a many-to-one relation, `subscription.user`) and the rows a loop gives."""
        names = self.models.rules.relationships
        if not any(isinstance(v, External) and v.name in names for v in found):
            return found
        declared = self.models.declared((base.module, base.qualname), attr)
        related = [key for call in declared[0] if self.models.is_relationship(call, declared[1])
                   for key in self.models.related_classes(call, None, declared[1])] if declared is not None else []
        if not related:  # (`db.relationship` itself, on the `db` object: the function)
            return found
        rows = tuple(Instance("inst", *key) for key in related)
        return [v for v in found if not (isinstance(v, External) and v.name in names)] + [*rows, Candidates("cands", rows, None)]

    def elements(self, expr: Element, ctx: Ctx) -> list[Value]:
        """What a loop binds: a registry's entries, the project rows of a queryset (`for r in
        Report.objects.all()`: a Report), the children of a relation (`for i in job.items.all()`)."""
        return self.elements_of(self.ev.eval(expr.iterable, ctx))

    def elements_of(self, iterables: Iterable[Value]) -> list[Value]:
        """What a loop over these values binds (see `elements`)."""
        out: list[Value] = []
        for c in iterables:
            if isinstance(c, Candidates):
                out.extend(c.values)
            elif isinstance(c, External) and c.subject is not None:
                if self.ev.instance_rules.names("iterates", c.name):
                    out.append(Instance("inst", *c.subject))
                else:
                    out.extend(Instance("inst", *child) for child, _field in self.children(c))
            elif isinstance(c, External) and f"{c.name}.__iter__" in self.ev.types:
                out.append(External("ext", self.ev.types[f"{c.name}.__iter__"]))  # Path.iterdir() yields Paths
        return out


class Lineage:
    """Whether a relation grows with an unbounded collection (see the module's docstring)."""

    def __init__(self, project: Project, evaluator: Evaluator, volume: DataVolume) -> None:
        self.p = project
        self.ev = evaluator
        self.volume = volume
        self.relations: Relations = evaluator.relations
        self._grows: dict[tuple[ClassKey, str], bool] = {}

    def grown(self, value: External) -> bool:
        """Is `value` read from a relation whose children the project creates per unbounded row?"""
        return value.subject is not None and any(self._grows_for(child, field)
                                                 for child, field in self.relations.children(value))

    def _grows_for(self, child: ClassKey, field: str) -> bool:
        key = (child, field)
        found = self._grows.get(key)
        if found is not None:
            return found
        self._grows[key] = False  # children created in a loop over the relation itself: no evidence
        result = any(self._per_row(cs, ctx) for cs, ctx in self._creations(child, field))
        self._grows[key] = result
        return result

    def _creations(self, child: ClassKey, field: str) -> Iterator[tuple[CallSite, Ctx]]:
        """The call sites creating a child with the same parent for every row: the foreign key
        passed by keyword (`job=job`, or with a volume.yaml `parent-keys` suffix: `job_id=...`),
        not the loop's own variable."""
        cls = self.p.klass(*child)
        if cls is None:
            return
        creates = self.relations.creates
        keys = {field} | {field + suffix for suffix in self.volume.rules.parent_keys}
        for call in self.ev.index.calls(None if creates is None else {cls.name} | creates):
            cs, ctx = call.site, call.ctx
            parent = next((v for k, v in cs.kwargs if k in keys), None)
            if parent is None or self._loop_variable(parent, ctx):
                continue
            for v in self.ev.eval(cs.func, ctx):
                if v == ClassRef("cls", *child) or isinstance(v, External) and v.subject == child \
                        and any(r.creates.match(v.name) for r in self.relations.rules):
                    yield cs, ctx
                    break

    def _loop_variable(self, expr: object, ctx: Ctx) -> bool:
        while not isinstance(expr, Name) and hasattr(expr, "base"):
            expr = getattr(expr, "base")  # `user.id`: the user's
        return isinstance(expr, Name) and any(isinstance(b, BoundExpr) and isinstance(b.binding, Element)
                                              for b in self.p.bindings(expr.id, ctx))

    def _per_row(self, cs: CallSite, ctx: Ctx) -> bool:
        """A creation in a loop over an unbounded collection, or in a function called in one."""
        if self.volume.unbounded_source(cs.loops, ctx, 1) is not None:
            return True
        if ctx.function is None:
            return False
        fn = self.p.function(ctx.module, ctx.function)
        if fn is None:
            return False
        return any(call.site.loops and self.volume.unbounded_source(call.site.loops, call.ctx, 1) is not None
                   and any(isinstance(v, (FunctionRef, MethodRef)) and (v.module, v.qualname) == (ctx.module, ctx.function)
                           for v in self.ev.eval(call.site.func, call.ctx))
                   for call in self.ev.index.calls([fn.name]))

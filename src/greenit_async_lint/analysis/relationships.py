"""What a model's class body says, read in one place (volume.yaml `cascade-deletes` holds the ORM's
words): its relationships and columns, for cascades (here), pinned queries (pinned.py) and the
classes a string names (lineage.py). Above all: which collection, if any, the ORM loads and
deletes row by row when one object of the model is deleted.

Read from the summary (`Class.attrs` holds `relationship("Grant", cascade="all, delete")`,
`Class.annotations` its `Mapped[list["Grant"]]`), never by importing the model. A relationship
counts when its cascade names a delete word, none of the `unless` keywords leaves the rows to the
database or keeps the ORM from loading them, its annotation (if any) is a list type, and its rows
are not the parent's own parts:

- a related row that must link to another table too (two foreign keys or more, one of them
  required: a role's grant to each user, a field's value for each user, a team's membership of
  each user) exists once per row of that other table, so the collection grows with it;
- a related row whose only foreign key is the parent's (a food's aliases, an album's tracks) is a
  part of that one object, as many as it was given: bounded, as a relation of one object is for
  loops (volume.py). So is one whose foreign keys are all optional: it belongs to one of several
  possible owners (a token of a user or of a publisher), not to a pair.
A related model the summary cannot find, or with no foreign key in sight (declared in
`__table_args__`), is taken as growing. A foreign key is required when its column says
`nullable=False` or `primary_key=True`, or its annotation is not optional (`Mapped[int]`, not
`Mapped[int | None]`); a plain `Column(ForeignKey(...))` is nullable, as SQLAlchemy makes it.
Known limits: a link table declared with plain nullable columns reads as optional owners;
`Mapped[Union[int, None]]` is not read as optional; SQLModel's `Field(foreign_key="users.id")`
(a string, no foreign key call) is no foreign key.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..catalogue.cascades import CascadeRules
from ..catalogue.patterns import PatternTable
from .ir import Call, Class, Const, Expr, Items, OneOf, Star, Subscript
from .project import Ctx, Project
from .values import ClassKey, ClassRef, External

if TYPE_CHECKING:  # pragma: no cover  (evaluate.py builds lineage.py's Relations, which holds one of these)
    from .evaluate import Evaluator


class ModelCascades:
    """The engine's one reader of what a model's class body says: its relationships (a cascade,
    a loader, the related class), its columns (a foreign key, required or unique) and the
    project's classes by name, as the ORM's registry resolves a string. cascades.py asks it
    which collection a delete walks; pinned.py which column pins a query to one object;
    lineage.py which class a string names. The ORM's words are the catalogue's
    (volume.yaml `cascade-deletes`), never this module's."""

    def __init__(self, project: Project, evaluator: Evaluator, rules: CascadeRules,
                 list_types: PatternTable[bool], eager: frozenset[str]) -> None:
        self.p = project
        self.ev = evaluator
        self.rules = rules
        self.list_types = list_types
        self.eager = eager  # volume.yaml eager-loads: a collection loaded with its parent adds no load
        self._models: dict[ClassKey, str] = {}
        self._links: dict[ClassKey, bool] = {}
        self._by_name: Optional[dict[str, list[ClassKey]]] = None
        self._eager_parents: Optional[dict[ClassKey, list[ClassKey]]] = None

    def model(self, mi: int, qualname: str) -> str:
        """The first collection relationship of a model class (its bases included) that cascades
        deletes through the ORM over a growing collection, worded for the message, or ''."""
        key = (mi, qualname)
        found = self._models.get(key)
        if found is None:
            found = self._models[key] = next(
                (text for cmi, cq in self.ev.classes.mro(mi, qualname)[0] for text in [self._declared(cmi, cq)] if text),
                "")
        return found

    def _declared(self, mi: int, qualname: str) -> str:
        cls = self.p.klass(mi, qualname)
        if cls is None:
            return ""
        ctx = self.p.class_ctx(mi, cls)
        for name in sorted(cls.attrs, key=lambda n: cls.attr_lines.get(n, 0)):
            for binding in cls.attrs[name]:
                if not isinstance(binding, Call) or not self._cascades(binding, ctx):
                    continue
                annotation = cls.annotations.get(name)
                if annotation is not None and not self._collection(annotation, ctx):
                    continue  # `Mapped["Profile"]`: one object, one row
                children = self.related_classes(binding, annotation, ctx)
                if children and not any(self.links(child) for child in children):
                    continue  # the parent's own parts (its aliases, its own tokens): bounded
                words = next(v.value for k, v in binding.kwargs if k == self.rules.cascade_keyword and isinstance(v, Const))
                where = f"{self.p.mods[mi].path}:{cls.attr_lines.get(name, cls.line)}"
                rows = (f"`{children[0][1].rsplit('.', 1)[-1]}` row of `{cls.name}.{name}`, one for each row of the "
                        f"other table it links to," if children else f"row of `{cls.name}.{name}`")
                passive = f" and no {self.rules.passive_keyword}" if self.rules.passive_keyword else ""
                return (f"the ORM loads every {rows} and deletes each: {self.rules.cascade_keyword}={words!r}"
                        f"{passive} at {where}")
        return ""

    def _cascades(self, call: Call, ctx: Ctx) -> bool:
        """A relationship declaration whose cascade deletes through the ORM (none of `unless`)."""
        keywords = _keywords(call)
        words = keywords.get(self.rules.cascade_keyword)
        if not isinstance(words, Const) or not isinstance(words.value, str):
            return False
        if not {w.strip() for w in words.value.split(",")} & self.rules.cascade_words:
            return False
        for keyword, values in self.rules.unless.items():
            value = keywords.get(keyword)
            if isinstance(value, Const) and value.value in values:
                return False
        return not self.loads_eagerly(call) and self.is_relationship(call, ctx)

    def _collection(self, annotation: Expr, ctx: Ctx, depth: int = 0) -> bool:
        """`Mapped[list["Grant"]]`, `List[Grant]`: a list type somewhere in the subscripts."""
        if not isinstance(annotation, Subscript) or depth > 3:
            return False
        if any(isinstance(v, External) and v.name in self.list_types for v in self.ev.eval(annotation.base, ctx)):
            return True
        return self._collection(annotation.key, ctx, depth + 1)

    # -- relationship declarations ------------------------------------------------------------

    def is_relationship(self, call: Call, ctx: Ctx) -> bool:
        """`relationship(...)`, `db.relationship(...)` (cascade-deletes `relationships`)."""
        return any(isinstance(v, External) and v.name in self.rules.relationships for v in self.ev.eval(call.func, ctx))

    def loads_eagerly(self, call: Call) -> bool:
        """A declaration whose loader (`lazy=False`, `lazy="selectin"`) is one of `eager-loads`."""
        lazy = _keywords(call).get(self.rules.lazy_keyword) if self.rules.lazy_keyword else None
        return isinstance(lazy, Const) and str(lazy.value).lower() in self.eager

    def related_classes(self, call: Call, annotation: Optional[Expr], ctx: Ctx) -> list[ClassKey]:
        """The related model: the declaration's first argument (a class or its name) or its
        `target-keyword`, else the innermost type of its annotation (`Mapped[list["Grant"]]`)."""
        target = call.args[0] if call.args and not isinstance(call.args[0], Star) else \
            next((v for k, v in call.kwargs if k and k == self.rules.target_keyword), None)
        while target is None and isinstance(annotation, Subscript):
            annotation = annotation.key
            if not isinstance(annotation, Subscript):
                target = annotation.items[0] if isinstance(annotation, Items) and annotation.items else annotation
        if isinstance(target, Const) and isinstance(target.value, str):
            return self.classes_named(target.value.rsplit(".", 1)[-1])
        if target is None:
            return []
        return [(v.module, v.qualname) for v in self.ev.eval(target, ctx) if isinstance(v, ClassRef)]

    def eager_parents(self, child: ClassKey) -> list[ClassKey]:
        """The project's top-level classes that load `child`'s rows with themselves: a relationship
        to it declared with an eager loader (`subscriptions = relationship(lazy=False)`)."""
        if self._eager_parents is None:
            self._eager_parents = {}
            for parent in (key for keys in self._named().values() for key in keys):
                cls = self.p.klass(*parent)
                if cls is None:
                    continue
                ctx = self.p.class_ctx(parent[0], cls)
                for name, bindings in cls.attrs.items():
                    for call in bindings:
                        if isinstance(call, Call) and self.loads_eagerly(call) and self.is_relationship(call, ctx):
                            for target in self.related_classes(call, cls.annotations.get(name), ctx):
                                self._eager_parents.setdefault(target, []).append(parent)
        return self._eager_parents.get(child, [])

    def classes_named(self, name: str) -> list[ClassKey]:
        """The project's top-level classes of that name (an ORM registry resolves the string so)."""
        return self._named().get(name, [])

    def _named(self) -> dict[str, list[ClassKey]]:
        if self._by_name is None:
            self._by_name = {}
            for mi, module in enumerate(self.p.mods):
                for qualname, cls in module.classes.items():
                    if cls.parent is None and "." not in qualname:
                        self._by_name.setdefault(qualname, []).append((mi, qualname))
        return self._by_name

    # -- columns ------------------------------------------------------------------------------

    def declared(self, key: ClassKey, attr: str) -> Optional[tuple[list[Call], Ctx]]:
        """The calls declaring a model's attribute (`Column(...)`, `relationship(...)`), in the
        first class of its bases that declares it, with where they are read; None if none does."""
        for cmi, cq in self.ev.classes.mro(*key)[0]:
            cls = self.p.klass(cmi, cq)
            calls = [b for b in cls.attrs.get(attr, ()) if isinstance(b, Call)] if cls is not None else []
            if calls and cls is not None:
                return calls, self.p.class_ctx(cmi, cls)
        return None

    def is_unique(self, call: Call) -> bool:
        """`Column(String, unique=True)`, `mapped_column(primary_key=True)`: one row per value."""
        return any(k in self.rules.unique_flags and isinstance(v, Const) and v.value is True for k, v in call.kwargs)

    def has_foreign_key(self, call: Call, ctx: Ctx, depth: int = 0) -> bool:
        """`mapped_column(GUID, ForeignKey("users.id"))`, `Field(sa_column=Column(ForeignKey(...)))`:
        a foreign key call, or one among the arguments (positional or keyword), two levels deep."""
        if any(isinstance(v, External) and v.name in self.rules.foreign_keys for v in self.ev.eval(call.func, ctx)):
            return True
        return depth < 2 and any(isinstance(a, Call) and self.has_foreign_key(a, ctx, depth + 1)
                                 for a in (*call.args, *(v for _k, v in call.kwargs)))

    def links(self, key: ClassKey) -> bool:
        """Whether a model's rows link two tables: two foreign keys or more (its bases included),
        one of them required; True as well when none is in sight (nothing says it is a part)."""
        found = self._links.get(key)
        if found is None:
            keys: dict[str, bool] = {}
            for cmi, cq in self.ev.classes.mro(*key)[0]:
                cls = self.p.klass(cmi, cq)
                if cls is not None:
                    for name, required in self._keyed(cls, self.p.class_ctx(cmi, cls)):
                        keys.setdefault(name, required)
            found = self._links[key] = not keys or len(keys) >= 2 and any(keys.values())
        return found

    def _keyed(self, cls: Class, ctx: Ctx) -> list[tuple[str, bool]]:
        """The attributes declaring a foreign key, each with whether it is required."""
        out: list[tuple[str, bool]] = []
        for name, bindings in cls.attrs.items():
            call = next((b for b in bindings if isinstance(b, Call) and self.has_foreign_key(b, ctx)), None)
            if call is not None:
                out.append((name, self._required(call, cls.annotations.get(name), ctx)))
        return out

    def _required(self, call: Call, annotation: Optional[Expr], ctx: Ctx) -> bool:
        keywords = _keywords(call)
        nullable = keywords.get(self.rules.nullable_keyword) if self.rules.nullable_keyword else None
        if isinstance(nullable, Const):
            return nullable.value is False
        if any(isinstance(v, Const) and v.value is True for k, v in keywords.items() if k in self.rules.not_null_flags):
            return True
        return annotation is not None and not self._optional(annotation, ctx)

    def _optional(self, annotation: Expr, ctx: Ctx, depth: int = 0) -> bool:
        """`Mapped[int | None]`, `Mapped[Optional[int]]` (cascade-deletes `optional-types`)."""
        if depth > 3:
            return False
        if isinstance(annotation, OneOf):
            return any(isinstance(o, Const) and o.value is None for o in annotation.options)
        if not isinstance(annotation, Subscript):
            return False
        if any(isinstance(v, External) and v.name in self.rules.optional_types
               for v in self.ev.eval(annotation.base, ctx)):
            return True
        return self._optional(annotation.key, ctx, depth + 1)


def _keywords(call: Call) -> dict[str, Expr]:
    return {k: v for k, v in call.kwargs if k}

"""Lists the client sizes: what a route receives from the request body as a list is as long as the
client made it, an unbounded collection for the data-volume rule (volume.py).

Two ways a framework hands a route such a list:
- a field of a request model (volume.yaml `request-models`, FastAPI's pydantic models) declared as
  a list (`list-types`): `data.recipes` on `def bulk(data: AssignTags)`;
- a parameter a request-arguments decorator fills from a schema (volume.yaml `request-arguments`,
  webargs' `use_kwargs`), whose field of that name is a list field (`list-types`:
  `fields.List(...)`): `imported` on `@use_kwargs({'imported': fields.List(...)}) def f(imported)`,
  the schema given as a dict literal or as a schema class.
"""
from __future__ import annotations

from ..catalogue import Catalogue
from .evaluate import Evaluator
from .ir import Attr, Call, ClassDef, Const, Declared, DictItems, Expr, Items, Name, Subscript
from .project import Ctx, Project
from .values import ClassRef, External, Instance


class RequestData:
    def __init__(self, project: Project, evaluator: Evaluator, catalogue: Catalogue) -> None:
        self.p = project
        self.ev = evaluator
        self.rules = catalogue.volume

    def request_list(self, expr: Attr, ctx: Ctx) -> bool:
        """A list field of a request model a route receives (`@router.post(...) def bulk(self, data:
        AssignTags)`: `data.recipes`, declared `recipes: list[str]` on a volume.yaml `request-models`
        subclass): as long as the client made it."""
        if not isinstance(expr.base, Name) or not len(self.rules.request_models):
            return False
        fn = self.p.own_param(expr.base.id, ctx)
        if fn is None or not fn.decorators:
            # Only a route's own parameter is filled from the request: a helper handed a model (a
            # background job given the request's model) is judged by its caller. Known limit: any
            # decorated function passes for a route here.
            return False
        for value in self.ev.eval(expr.base, ctx):
            if not isinstance(value, Instance):
                continue
            classes, outside = self.ev.classes.mro(value.module, value.qualname)
            if not any(name in self.rules.request_models for name in outside):
                continue
            for cmi, cq in classes:
                cls = self.p.klass(cmi, cq)
                if cls is not None and expr.attr in cls.attrs:
                    return any(self._list_type(b, self.p.class_ctx(cmi, cls)) for b in cls.attrs[expr.attr])
        return False

    def _list_type(self, binding: object, ctx: Ctx) -> bool:
        """`list[str]`, `List[Item]`, `set[int]` (volume.yaml `list-types`), declared or defaulting to `[]`."""
        if isinstance(binding, Items):
            return not binding.items
        if not isinstance(binding, Declared):
            return False
        ann = binding.annotation
        base = ann.base if isinstance(ann, Subscript) else ann
        return any(isinstance(v, External) and v.name in self.rules.list_types for v in self.ev.eval(base, ctx))

    def argument_list(self, name: str, ctx: Ctx) -> bool:
        """A parameter of this function that a request-arguments decorator (`@use_kwargs(schema)`)
        fills from a list field of its schema: as long as the client made it."""
        if not len(self.rules.request_arguments):
            return False
        fn = self.p.own_param(name, ctx)
        if fn is None:
            return False
        dctx = self.p.defining_ctx(ctx.module, fn)
        for dec in fn.decorators:
            if not isinstance(dec, Call) or not dec.args:
                continue
            # The decorator as it evaluates: a project wrapper (`indico.web.args.use_kwargs`) that
            # returns the parser's own decorator counts as that decorator.
            if not any(isinstance(v, External) and v.name in self.rules.request_arguments
                       for v in self.ev.eval(dec, dctx)):
                continue
            schema = dec.args[0]
            if isinstance(schema, DictItems):
                fields = [v for k, v in zip(schema.keys, schema.values) if isinstance(k, Const) and k.value == name]
                if any(self._list_field(f, dctx) for f in fields):
                    return True
            elif isinstance(schema, (Name, Attr)) and self._schema_list(schema, name, dctx):
                return True
        return False

    def _schema_list(self, schema: Expr, name: str, ctx: Ctx) -> bool:
        """A schema class (or one of its bases) declares `name` as a list field."""
        for value in self.ev.eval(schema, ctx):
            if not isinstance(value, ClassRef):
                continue
            for cmi, cq in self.ev.classes.mro(value.module, value.qualname)[0]:
                cls = self.p.klass(cmi, cq)
                if cls is not None and name in cls.attrs:
                    cctx = self.p.class_ctx(cmi, cls)
                    return any(not isinstance(b, ClassDef) and self._list_field(b, cctx) for b in cls.attrs[name])
        return False

    def _list_field(self, field: object, ctx: Ctx) -> bool:
        """`fields.List(fields.Int())`: a field whose type is a volume.yaml `list-types` entry."""
        return isinstance(field, Call) and any(isinstance(v, External) and v.name in self.rules.list_types
                                               for v in self.ev.eval(field.func, ctx))

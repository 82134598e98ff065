"""The framework's request behind an unannotated parameter, and what of it the client sent.

Django and Pyramid views take the request as a plain parameter (`def upload(request)`), rarely
annotated: a parameter named as the framework names it (`request` section of a framework file)
is an instance of its request class, in a project that imports that framework. Its attributes
then evaluate to qualified names (`django.http.HttpRequest.POST.getlist`), which is how the
request extensions and the data-volume family recognise them.

Rows the client sent: whatever is taken from a posted body (`request.json_body["items"]`), a
form field or an uploaded file parsed (`json.load(request.FILES["f"])`, volume.yaml `parses`),
and a field's text cut into lines or words (`request.POST["names"].split()`, volume.yaml
`splits`: a pasted list). A field itself is one value, `getlist` the boxes or the files the user
picked (as few as the `id__in` of them, volume.yaml `bounded-by-keyword`), and the form's own
mapping (`request.POST.items()`) the fields the page renders: none of these is a loop over rows.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..catalogue import Catalogue
from ..catalogue.requests import RequestRule
from .ir import Attr, Call, Const, Expr, FromImport, Import, Name, Param, Star, Subscript
from .project import BoundExpr, Ctx, Project
from .values import External, Value

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator

# The views of a mapping (dict protocol): iterating them walks the form's fields, not rows.
_FIELDS = frozenset({"", ".items", ".keys", ".values", ".lists", ".__iter__"})


class FrameworkRequests:
    def __init__(self, project: Project, evaluator: Evaluator, catalogue: Catalogue) -> None:
        self.p = project
        self.ev = evaluator
        self.rules = [fw.request for fw in catalogue.frameworks if fw.request is not None]
        self.parses = catalogue.volume.parses
        self.splits = catalogue.volume.splits
        self._active: Optional[list[RequestRule]] = None

    def active(self) -> list[RequestRule]:
        """The request sections of the frameworks the project imports (once per run): a `request`
        parameter of a Flask or FastAPI project is not Django's."""
        if self._active is None:
            imported: set[str] = set()
            for module in self.p.mods:
                for bindings in module.scope.names.values():
                    for b in bindings:  # (every module-level name of the project: a plain loop)
                        if (type(b) is FromImport or type(b) is Import) and not b.module.startswith("."):
                            imported.add(b.module.partition(".")[0])
            self._active = [r for r in self.rules if r.package in imported]
        return self._active

    def parameter(self, param: Param) -> list[Value]:
        """The request an unannotated parameter holds by the framework's convention, if any."""
        if param.annotation is not None or param.kind not in ("pos", "kwonly") or not self.rules:
            return []
        return [External("ext", r.type) for r in self.active() if param.name in r.parameters]

    def _counts(self, name: str, taken: bool, split: bool) -> bool:
        """Is the outside value `name` rows of what the client sent? `taken`: something was taken
        from it on the way (a field, an attribute); `split`: its text was cut into lines or parsed."""
        for rule in self.active():
            rest = name[len(rule.type) + 1:] if name.startswith(rule.type + ".") else ""
            for attr in (*rule.bodies, *rule.fields) if rest else ():
                if rest != attr and not rest.startswith(attr + "."):
                    continue
                after = rest[len(attr):]
                if attr in rule.bodies:
                    return taken or after not in _FIELDS
                return split or any(part in self.splits for part in after.split("."))
        return False

    def rows(self, expr: Optional[Expr], ctx: Ctx, taken: bool = False, split: bool = False, depth: int = 0) -> bool:
        """Is `expr` rows the client sent (an upload's, a posted body's, a pasted list's)? Walks
        down a chain whose outside name the evaluator lost (a subscript: `request.FILES["f"].file`)."""
        if expr is None or depth > 4 or not self.rules or not self.active():
            return False
        if isinstance(expr, Name):
            # A name bound to request data (`names = request.POST["names"].split()`, `data = json.load(upload)`).
            return ctx.function is not None and any(
                isinstance(b, BoundExpr) and isinstance(b.binding, (Call, Attr, Subscript))
                and self.rows(b.binding, b.ctx, taken, split, depth + 1) for b in self.p.bindings(expr.id, ctx))
        if isinstance(expr, Call) and expr.args and not isinstance(expr.args[0], Star) \
                and any(isinstance(v, External) and self.parses.match(v.name) for v in self.ev.eval(expr.func, ctx)):
            return self.rows(expr.args[0], ctx, True, True, depth + 1)
        if isinstance(expr, Subscript) and not (isinstance(expr.key, Name) or isinstance(expr.key, Const)
                                                and isinstance(expr.key.value, str)):
            return False  # a slice is a page, an index one element; a field (`["names"]`) is what was sent
        names = [v.name for v in self.ev.eval(expr, ctx) if isinstance(v, External)
                 and any(v.name.startswith(rule.type + ".") for rule in self.active())]
        if names:  # the request's own attribute decides; anything else, the chain it was taken from
            return any(self._counts(name, taken, split) for name in names)
        if isinstance(expr, (Attr, Subscript)):
            return self.rows(expr.base, ctx, True, split, depth + 1)
        if isinstance(expr, Call) and isinstance(expr.func, Attr):  # request.POST["names"].split()
            return self.rows(expr.func.base, ctx, True, split or expr.func.attr in self.splits, depth + 1)
        return False

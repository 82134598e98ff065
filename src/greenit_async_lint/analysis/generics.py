"""Subscripted types as the evaluator sees them: `Optional[Model]` is a Model, and a container
annotation (`Dict[str, Model]`, `List[Model]`) holds Models, so that `REGISTRY[key].render()` or
`for m in self.items` reaches Model's methods even when the container starts empty.

The names are the last segments of the typing and builtin generics (`typing.Dict`, `dict`,
`collections.abc.Mapping`): these are Python's own, not a framework's.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .ir import Attr, Expr, Items, Name, Subscript
from .project import Ctx
from .values import Candidates, Value

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator

# The type is the first argument.
_WRAPPERS = frozenset({"Optional", "Annotated", "Union", "Type", "type", "ClassVar", "Final", "Required",
                       "NotRequired"})
# Containers of their last argument (a mapping's values, a sequence's items).
_CONTAINERS = frozenset({"Dict", "dict", "Mapping", "MutableMapping", "DefaultDict", "defaultdict", "OrderedDict",
                         "List", "list", "Sequence", "MutableSequence", "Iterable", "Iterator", "Collection",
                         "Set", "set", "FrozenSet", "frozenset", "Deque", "deque"})


# The type named is the class itself, not an instance of it.
_CLASS_OF = frozenset({"type", "Type"})


def class_of(annotation: Expr) -> Expr | None:
    """`X` of an annotation `type[X]` / `Type[X]`: what is declared is the class X itself
    (`Model: type[IndicoModel]` on a SQLAlchemy wrapper), whose class attributes and methods a
    subclass (`class Event(db.Model)`) inherits; None for any other annotation."""
    if not isinstance(annotation, Subscript):
        return None
    base = annotation.base
    tail = base.id if isinstance(base, Name) else base.attr if isinstance(base, Attr) else None
    return annotation.key if tail in _CLASS_OF else None


def generic_type(ev: Evaluator, name: str, key: Expr, ctx: Ctx) -> list[Value]:
    """What `name[key]` names as a type: the wrapped type, or a container of the item type."""
    tail = name.rsplit(".", 1)[-1]
    items = key.items if isinstance(key, Items) and key.items else (key,)
    if tail in _WRAPPERS:
        return list(ev.eval(items[0], ctx))
    if tail in _CONTAINERS:
        held = ev.eval(items[-1], ctx)
        return [Candidates("cands", held, None)] if held else []
    return []

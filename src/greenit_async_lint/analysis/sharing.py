"""Equal immutable values made once, so that a large project's memory holds each only once.

The summariser's names, attribute chains on them and plain constants are taken from per-process
tables as they are built (shared_name & co.), and the evaluator keeps one object per distinct
result (Results). Sharing must never merge values that are only equal: `1 == True == 1.0`, and a
NamedTuple equals a plain tuple of its fields (same_types).
"""
from __future__ import annotations

from typing import Any

from .ir import Attr, Const, Expr, Name
from .sourcetext import dotted
from .values import ClassRef, External, FunctionAttr, FunctionRef, Instance, MethodRef, ModuleRef, Value

# Names, attribute chains on them and plain constants, one object each per process: a project's
# files name the same few thousand things (on 2,000 generated files, 300,000 Name nodes were 436
# distinct values, 160,000 Attr nodes 733), a quarter of its summaries' memory. An Attr is shared
# only when its base is (its key holds the base's id, which _SHARED keeps alive: equal bases of
# other types, `(1).real` and `True.real`, are never merged); constants are keyed with their type.
_SHARED_MAX = 200_000  # entries before the tables start again (a long-lived flake8 process)
_NAMES: dict[str, Name] = {}
_ATTRS: dict[tuple[int, str], Attr] = {}
_CONSTS: dict[tuple[type, Any], Const] = {}
_SHARED: set[int] = set()  # ids of the shared nodes
_TEXTS: dict[int, str] = {}  # a shared callee's text (`requests.post`), by its id: one string each


def shared_name(id_: str) -> Name:
    found = _NAMES.get(id_)
    return found if found is not None else _kept(_NAMES, id_, Name("n", id_))


def shared_attr(base: Expr, attr: str) -> Attr:
    if id(base) not in _SHARED:
        return Attr("a", base, attr)
    key = (id(base), attr)
    found = _ATTRS.get(key)
    if found is None:
        if len(_SHARED) >= _SHARED_MAX:
            forget()
            return Attr("a", base, attr)  # (its base is no longer a shared one)
        found = _ATTRS[key] = Attr("a", base, attr)
        _SHARED.add(id(found))
    return found


def shared_const(value: Any) -> Const:
    kind = value.__class__
    if kind is float:  # (-0.0 == 0.0, and nan is not even equal to itself)
        return Const("k", value)
    key = (kind, value)
    found = _CONSTS.get(key)
    return found if found is not None else _kept(_CONSTS, key, Const("k", value))


def _kept(table: dict[Any, Any], key: Any, node: Any) -> Any:
    """`node`, now the shared one for `key` (not for an Attr: its key holds its base's id, which
    must be kept alive by the tables, and a full table forgets that base)."""
    if len(_SHARED) >= _SHARED_MAX:
        forget()
    table[key] = node
    _SHARED.add(id(node))
    return node


def callee_text(func: Expr) -> str:
    if id(func) not in _SHARED:
        return dotted(func)
    found = _TEXTS.get(id(func))
    if found is None:
        found = _TEXTS[id(func)] = dotted(func)
    return found


def forget() -> None:
    _TEXTS.clear()
    _NAMES.clear()
    _ATTRS.clear()
    _CONSTS.clear()
    _SHARED.clear()


class Results:
    """One object per distinct evaluation result: the evaluator's memo held 350,000 results on
    2,000 generated files, 3,700 distinct values (the same imports resolved in every function),
    a third of what finding the handlers kept; at 10,000 files, hundreds of megabytes."""

    def __init__(self) -> None:
        self._seen: dict[tuple[Value, ...], tuple[Value, ...]] = {}

    def __call__(self, result: tuple[Value, ...]) -> tuple[Value, ...]:
        if not result:
            return result
        found = self._seen.setdefault(result, result)
        if found is result:
            return result
        for value in result:
            if value.__class__ not in _PLAIN:  # (Candidates: their keys may be 1, True or 1.0)
                return found if same_types(found, result) else result
        return found


# Values whose fields are module indexes, names and (module, qualname) pairs, each class with a tag
# of its own: two of them are equal only when they are of the same types all the way down.
_PLAIN = frozenset({ModuleRef, FunctionRef, MethodRef, ClassRef, Instance, External, FunctionAttr})


def same_types(a: object, b: object) -> bool:
    """Whether two equal values are also of the same types all the way down (`(1,)` equals
    `(True,)` and `(1.0,)`, and a NamedTuple equals a plain tuple of its fields)."""
    if a.__class__ is not b.__class__:
        return False
    if isinstance(a, tuple):
        return all(same_types(x, y) for x, y in zip(a, b))  # type: ignore[call-overload]
    return True

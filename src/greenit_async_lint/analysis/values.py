"""Static values: what an expression may refer to, as far as names, imports and types tell.

Like the expressions of ir.py, every value is a `NamedTuple` whose first field is a short tag
spelled at construction: values of different kinds share field shapes (`FunctionRef`,
`ClassRef` and `Instance` are all a module index and a qualname), and they are compared and
deduplicated by value, so the tag is what keeps them apart.

    ModuleRef("mod", module)              a project module
    FunctionRef("fn", module, qualname)   a project function (or unbound method)
    MethodRef("meth", module, qualname, receiver)
                                          a project method bound to an instance (its `self` is
                                          supplied); `receiver` is the instance's class when it
                                          is a subclass of the method's class, else None
    ClassRef("cls", module, qualname)     a project class
    Instance("inst", module, qualname)    an instance of a project class
    External("ext", name, subject)        something outside the project: a module attribute, or
                                          an instance of an outside class (`httpx.Client()` is
                                          External("ext", "httpx.Client", None), so its `.get`
                                          is "httpx.Client.get"); `subject` is the project class
                                          an inherited outside attribute was reached from
                                          (`Report.objects` is "django.db.models.Model.objects"
                                          with subject (module, "Report"))
    FunctionAttr("fattr", module, qualname, attr)
                                          an attribute of a project function (`task.delay`)
    Candidates("cands", values, keys)     a container of values (a dict or list of callables: a
                                          registry); keys are the dict's constant keys, aligned
                                          with values, or None
    CandidatesGet("candsget", values, keys)
                                          a bound lookup on such a container (`REGISTRY.get`)
"""
from __future__ import annotations

from typing import Iterable, Literal, NamedTuple, Optional, TypeVar, Union

from .ir import Arg, Const, Scalar

_T = TypeVar("_T")
_MAX_VALUES = 12  # a name bound to more than this many things is not worth following further

ClassKey = tuple[int, str]  # a project class: (module index, class qualname)


class ModuleRef(NamedTuple):
    tag: Literal["mod"]
    module: int


class FunctionRef(NamedTuple):
    tag: Literal["fn"]
    module: int
    qualname: str


class MethodRef(NamedTuple):
    tag: Literal["meth"]
    module: int
    qualname: str
    receiver: Optional[ClassKey] = None


class ClassRef(NamedTuple):
    tag: Literal["cls"]
    module: int
    qualname: str


class Instance(NamedTuple):
    tag: Literal["inst"]
    module: int
    qualname: str


class External(NamedTuple):
    tag: Literal["ext"]
    name: str
    subject: Optional[ClassKey] = None


class FunctionAttr(NamedTuple):
    tag: Literal["fattr"]
    module: int
    qualname: str
    attr: str


class Candidates(NamedTuple):
    tag: Literal["cands"]
    values: tuple[Value, ...]
    keys: Optional[tuple[Scalar, ...]]


class CandidatesGet(NamedTuple):
    tag: Literal["candsget"]
    values: tuple[Value, ...]
    keys: Optional[tuple[Scalar, ...]]


Value = Union[ModuleRef, FunctionRef, MethodRef, ClassRef, Instance, External, FunctionAttr, Candidates,
              CandidatesGet]
Callee = Union[FunctionRef, MethodRef]  # a project function a call runs


def pick(container: Candidates | CandidatesGet, index: Arg) -> tuple[Value, ...]:
    """The values a constant key selects from a registry; all of them for any other key."""
    values, keys = container.values, container.keys
    if keys is not None and isinstance(index, Const):
        chosen = tuple(v for k, v in zip(keys, values) if k == index.value)
        if chosen:
            return chosen
    return values


def dedupe(values: Iterable[_T]) -> tuple[_T, ...]:
    """The first few distinct values, in order."""
    out: list[_T] = []
    seen: set[_T] = set()
    for value in values:
        if value not in seen:
            seen.add(value)
            out.append(value)
            if len(out) >= _MAX_VALUES:
                break
    return tuple(out)

"""Types that follow the code (issue 11.1): declared returns merged with returned values, overrides
of a base's stub, constructor arguments on `self`, tuple unpacking and annotated containers. Each
case is evaluated on a small program; the fixture app flask_plugins shows them end to end."""
from __future__ import annotations

import pytest

from greenit_async_lint.analysis.evaluate import Evaluator
from greenit_async_lint.analysis.hierarchy import MAX_SUBCLASSES, is_stub
from greenit_async_lint.analysis.ir import Name
from greenit_async_lint.analysis.project import Ctx, Project
from greenit_async_lint.analysis.summarize import summarize
from greenit_async_lint.analysis.values import Instance, MethodRef, Value
from greenit_async_lint.catalogue.load import load_catalogue


@pytest.fixture(scope="module")
def catalogue():  # type: ignore[no-untyped-def]
    return load_catalogue()


def _evaluator(source: str, catalogue) -> Evaluator:  # type: ignore[no-untyped-def]
    module = summarize(source.encode(), "app.py", "app", False)
    return Evaluator(Project([module]), catalogue)


def _value(ev: Evaluator, function: str, name: str) -> set[str]:
    """What `name` holds inside `function`, as class or method qualnames."""
    def label(v: Value) -> str:
        return f"{v.qualname}()" if isinstance(v, Instance) else getattr(v, "qualname", repr(v))
    return {label(v) for v in ev.eval(Name("n", name), Ctx(0, function))}


def _calls(ev: Evaluator, function: str, receiver_name: str, attr: str) -> set[str]:
    out = set()
    for v in ev.eval(Name("n", receiver_name), Ctx(0, function)):
        out.update(m.qualname for m in ev.attr(v, attr) if isinstance(m, MethodRef))
    return out


IMPORTERS = """
import abc
class Base(abc.ABC):
    @abc.abstractmethod
    def run(self): ...
    def describe(self):
        return "base"
class Scan(Base):
    def run(self):
        return heavy()
    def describe(self):
        return "scan"
class Text(Base):
    def run(self):
        return 1
def factory(kind) -> Base:
    if kind:
        return Scan()
    return Text()
def light() -> Base:
    return Text()
def opaque() -> Base:
    return unknown()
def use(b: Base):
    x = factory(1)
    y = light()
    z = opaque()
"""


def test_declared_return_merges_with_returned_values(catalogue) -> None:  # type: ignore[no-untyped-def]
    ev = _evaluator(IMPORTERS, catalogue)
    assert _value(ev, "use", "x") == {"Scan()", "Text()"}
    assert _value(ev, "use", "y") == {"Text()"}  # the declared base adds nothing a returned value covers
    assert _value(ev, "use", "z") == {"Base()"}  # returns that cannot be followed keep the declared type


def test_stub_on_a_base_receiver_follows_the_overrides_but_a_concrete_method_does_not(catalogue) -> None:  # type: ignore[no-untyped-def]
    ev = _evaluator(IMPORTERS, catalogue)
    assert _calls(ev, "use", "b", "run") == {"Base.run", "Scan.run", "Text.run"}
    assert _calls(ev, "use", "b", "describe") == {"Base.describe"}
    assert _calls(ev, "use", "y", "run") == {"Text.run"}


@pytest.mark.parametrize("body, stub", [
    ("pass", True), ("...", True), ("'''doc'''", True), ("raise NotImplementedError('x')", True),
    ("raise NotImplementedError", True), ("return None", True), ("return 1", False), ("helper()", False),
])
def test_what_counts_as_a_stub(body: str, stub: bool) -> None:
    module = summarize(f"class A:\n    def m(self):\n        {body}\n".encode(), "a.py", "a", False)
    assert is_stub(module.functions["A.m"]) is stub


def test_subclasses_are_bounded(catalogue) -> None:  # type: ignore[no-untyped-def]
    subs = "".join(f"class S{i}(Base):\n    def run(self):\n        return {i}\n" for i in range(MAX_SUBCLASSES + 5))
    ev = _evaluator("class Base:\n    def run(self):\n        pass\n" + subs + "def use(b: Base):\n    pass\n",
                    catalogue)
    assert len(_calls(ev, "use", "b", "run")) == MAX_SUBCLASSES + 1  # the stub and the first subclasses


SERVICES = """
import functools
class Pdf:
    def render(self): ...
class Plain:
    def render(self): ...
class Service:
    def __init__(self, renderer, *, name=None):
        self.renderer = renderer
        self.name = name
class PdfService(Service):
    def __init__(self):
        super().__init__(Pdf(), name=Plain())
class Doc:
    @functools.cached_property
    def renderer(self):
        return Pdf()
def make():
    return Pdf(), True
def use():
    s = Service(Plain())
    r = s.renderer
    n = PdfService().name
    c = Doc().renderer
    first, flag = make()
"""


def test_constructor_arguments_reach_attributes_on_self(catalogue) -> None:  # type: ignore[no-untyped-def]
    ev = _evaluator(SERVICES, catalogue)
    # Both constructions count: `Service(Plain())` and `super().__init__(Pdf(), ...)`.
    assert _value(ev, "use", "r") == {"Plain()", "Pdf()"}
    assert _value(ev, "use", "n") == {"Plain()"}  # a keyword argument


def test_cached_property_and_tuple_unpacking(catalogue) -> None:  # type: ignore[no-untyped-def]
    ev = _evaluator(SERVICES, catalogue)
    assert _value(ev, "use", "c") == {"Pdf()"}
    assert "Pdf()" in _value(ev, "use", "first")


def test_annotated_containers_hold_instances(catalogue) -> None:  # type: ignore[no-untyped-def]
    source = ("from typing import Dict, List, Optional\nclass M:\n    def go(self): ...\n"
              "REG: Dict[str, M] = {}\nITEMS: List[M] = []\nONE: Optional[M] = None\n"
              "def use(k):\n    a = REG[k]\n    for b in ITEMS:\n        pass\n    c = ONE\n")
    ev = _evaluator(source, catalogue)
    assert _value(ev, "use", "a") == {"M()"}
    assert _value(ev, "use", "b") == {"M()"}
    assert "M()" in _value(ev, "use", "c")


FORMS = """
class Remote: ...
class Local: ...
class Views:
    def __init__(self, request):
        self.request = request
        self.remote = Remote()
        self.local = Local()
    @property
    def response(self):
        return {"mode": "draft", "request": self.request, "remote": self.remote, "local": self.local,
                "either": self.remote if self.request else self.local}
    def add_local(self, key):
        forms = self.response
        local = forms["local"]
        either = forms["either"]
        unknown = forms[key]
"""


def test_a_constant_key_picks_its_own_value_beside_unknown_and_several_values(catalogue) -> None:  # type: ignore[no-untyped-def]
    """Issue 12 (wrong receiver): a dict literal keeps its keys when another entry's value is unknown
    ("mode", "request") or several ("either"); before, any such entry made every lookup give every value."""
    ev = _evaluator(FORMS, catalogue)
    assert _value(ev, "Views.add_local", "local") == {"Local()"}
    assert _value(ev, "Views.add_local", "either") == {"Remote()", "Local()"}
    assert _value(ev, "Views.add_local", "unknown") == {"Remote()", "Local()"}  # any key: any value


DECLARED = """
import abc
class Base(abc.ABC):
    @abc.abstractmethod
    def run(self): ...
class Pillow(Base):
    def run(self):
        return 1
class Other(Base):
    def run(self):
        return 2
class Service:
    runner: Base
    plain: Base
    def __init__(self):
        self.runner = Pillow()
    def use(self):
        r = self.runner
        p = self.plain
"""


def test_a_declared_attribute_holds_what_the_methods_store_into_it(catalogue) -> None:  # type: ignore[no-untyped-def]
    """`runner: Base` in the class body and `self.runner = Pillow()` in __init__: the stored
    subclass, not the declared base (whose stub would reach every subclass's override, a guess)."""
    ev = _evaluator(DECLARED, catalogue)
    assert _value(ev, "Service.use", "r") == {"Pillow()"}
    assert _calls(ev, "Service.use", "r", "run") == {"Pillow.run"}
    assert _value(ev, "Service.use", "p") == {"Base()"}  # declared only: the declared type


def test_lookup_order_is_pythons_when_two_bases_share_one(catalogue) -> None:  # type: ignore[no-untyped-def]
    """C(A, B) with A and B subclasses of Base: C, A, B, Base (C3), so B's override wins over Base's
    method; a depth-first order (C, A, Base, B) would run Base's."""
    source = ("class Base:\n    def name(self): ...\nclass A(Base):\n    pass\nclass B(Base):\n"
              "    def name(self): ...\nclass C(A, B):\n    pass\nclass D(A):\n    pass\n")
    ev = _evaluator(source, catalogue)
    assert [q for _, q in ev.classes.mro(0, "C")[0]] == ["C", "A", "B", "Base"]
    assert [q for _, q in ev.classes.mro(0, "D")[0]] == ["D", "A", "Base"]
    assert [m.qualname for m in ev.classes.attr(0, "C", "name", True)] == ["B.name"]


SUPER = """
class Base:
    def save(self):
        return self.label()
    def label(self): ...
class A(Base):
    def save(self):
        return super().save()
class B(Base):
    def save(self):
        return super().save()
    def label(self): ...
class C(A, B):
    def save(self):
        return super().save()
"""


def test_super_looks_up_from_the_class_after_the_defining_one(catalogue) -> None:  # type: ignore[no-untyped-def]
    """`super().save()` runs the next class's save in `self`'s lookup order, with `self` kept: in A
    alone it is Base's; in A as a base of C (C, A, B, Base) it is B's."""
    from greenit_async_lint.analysis.ir import Attr, Call
    ev = _evaluator(SUPER, catalogue)
    call = Attr("a", Call("c", Name("n", "super"), (), ()), "save")
    assert [(m.qualname, m.receiver) for m in ev.eval(call, Ctx(0, "A.save"))] == [("Base.save", (0, "A"))]
    assert [(m.qualname, m.receiver) for m in ev.eval(call, Ctx(0, "A.save", (0, "C")))] == [("B.save", (0, "C"))]
    assert [m.qualname for m in ev.eval(call, Ctx(0, "C.save"))] == ["A.save"]
    assert ev.eval(Attr("a", Call("c", Name("n", "super"), (), ()), "missing"), Ctx(0, "A.save")) == ()


TRAITS = """
from traitlets import Bool, Type
from traitlets.config import Application, LoggingConfigurable

class Manager(LoggingConfigurable):
    def remove(self, path):
        raise NotImplementedError

class SyncManager(Manager):
    def remove(self, path):
        return path

class AsyncManager(Manager):
    async def remove(self, path):
        return path

class App(Application):
    manager_class = Type(default_value=AsyncManager, klass=Manager, config=True)
    trash = Bool(True, config=True)

    def start(self):
        self.manager = self.manager_class(parent=self)
        built = self.manager

def handler(manager: Manager):
    declared = manager
"""


def test_a_traitlets_type_is_its_default_class_and_builds_it(catalogue) -> None:  # type: ignore[no-untyped-def]
    """`Type(default_value=AsyncManager)`: an instance reads the class, calling it builds one
    (analysis/traits.py, `guards.field_defaults`)."""
    ev = _evaluator(TRAITS, catalogue)
    assert _value(ev, "App.start", "built") == {"AsyncManager()"}


def test_the_declared_default_runs_where_only_its_base_is_named(catalogue) -> None:  # type: ignore[no-untyped-def]
    """A receiver declared as the base runs the declared default's methods, not a guess among
    every subclass's overrides of the stub."""
    ev = _evaluator(TRAITS, catalogue)
    assert _value(ev, "handler", "declared") == {"AsyncManager()"}
    assert _calls(ev, "handler", "declared", "remove") == {"AsyncManager.remove"}


def test_a_trait_default_decides_a_guard_on_self(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`if self.delete_to_trash: ...; return` with `Bool(True)`: what follows runs only when a
    deployment turns the trash off (low confidence); a `@default(...)` method computes the default
    at run time, so nothing is decided."""
    from greenit_async_lint.analysis.engine import analyse
    from greenit_async_lint.config import Config

    src = ("import shutil\nfrom tornado.web import RequestHandler\nfrom traitlets import Bool, default\n"
           "from traitlets.config import LoggingConfigurable\n\n"
           "class Files(LoggingConfigurable):\n    delete_to_trash = Bool(True, config=True)\n"
           "    def delete(self, path):\n        if self.delete_to_trash:\n            return\n"
           "        shutil.rmtree(path)\n\n"
           "class Computed(Files):\n    @default('delete_to_trash')\n    def _trash_default(self):\n        return False\n\n"
           "class H(RequestHandler):\n    def delete(self, path):\n        Files().delete(path)\n\n"
           "class C(RequestHandler):\n    def delete(self, path):\n        Computed().delete(path)\n")
    (tmp_path / "app.py").write_text(src)
    report = analyse(["."], Config(cache=False, jobs=1, min_confidence="low"), cwd=tmp_path)
    found = {(f.line, f.code, f.confidence) for f in report.findings}
    assert found == {(20, "GAL104", "low"), (24, "GAL104", "high")}


def test_a_type_default_given_as_a_dotted_name_is_that_class(catalogue) -> None:  # type: ignore[no-untyped-def]
    """traitlets imports a string default (`Type(default_value="app.AsyncManager")`)."""
    source = TRAITS + ("\nclass Named(Application):\n    manager_class = Type(default_value='app.AsyncManager', klass=Manager)\n"
                       "    def start(self):\n        built = self.manager_class()\n")
    ev = _evaluator(source, catalogue)
    assert _value(ev, "Named.start", "built") == {"AsyncManager()"}


def test_an_attribute_declared_as_type_of_a_class_is_that_class(catalogue) -> None:  # type: ignore[no-untyped-def]
    """`Model: type[Base]` declares the class itself (indico's `db.Model`): its subclasses inherit
    Base's class attributes and methods; an instance of Base would give them nothing."""
    source = ("class Query:\n    def all(self): ...\n"
              "class Base:\n    query: Query\n    @classmethod\n    def get(cls, oid): ...\n"
              "class Wrapper:\n    Model: type[Base]\n"
              "db = Wrapper()\n"
              "class Event(db.Model):\n    pass\n"
              "def use():\n    m = db.Model\n    q = Event.query\n")
    ev = _evaluator(source, catalogue)
    assert _value(ev, "use", "m") == {"Base"}
    assert _value(ev, "use", "q") == {"Query()"}
    assert _calls(ev, "use", "Event", "get") == {"Base.get"}

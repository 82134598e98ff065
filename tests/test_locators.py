"""Service locators and request extensions (issue 11.2): `request.find_service(IFace)` gives what
the factories registered for IFace build, `request.<name>` what the callable added under that name
returns. Each case is evaluated on a small program; the fixture app pyramid_services shows them end
to end, and a user's framework file declares its own locator to show the mechanism is data."""
from __future__ import annotations

import pytest

from greenit_async_lint.analysis.evaluate import Evaluator
from greenit_async_lint.analysis.ir import Attr, Name
from greenit_async_lint.analysis.project import Ctx, Project
from greenit_async_lint.analysis.summarize import summarize
from greenit_async_lint.analysis.values import External, FunctionRef, Instance, Value
from greenit_async_lint.catalogue import CatalogueError
from greenit_async_lint.catalogue.load import Catalogue, load_catalogue

PYRAMID = """
import requests
from pyramid.request import Request
from zope.interface import Interface, implementer

class IRates(Interface): pass
class IStore(Interface): pass
class IMail(Interface): pass
class ICount(Interface): pass

class Sessions:
    def __call__(self, request):
        return requests.Session()

def lookup_geo(request, address):
    return address

@implementer(IRates)
class Rates:
    def __init__(self, *, session):
        self._http = session
    @classmethod
    def create_service(cls, context, request):
        return cls(session=request.http)
    def today(self):
        return self._http.get("https://rates.example.com")

@implementer(IStore)
class DiskStore: pass
@implementer(IStore)
class CloudStore: pass
def disk_factory(context, request):
    return DiskStore()

@implementer(IMail)
class SmtpMail:
    @classmethod
    def create_service(cls, context, request):
        return cls()
@implementer(IMail)
class NullMail: pass

class Counter: pass
class Audit: pass

from pyramid.config import Configurator
class IDesk(Interface): pass
@implementer(IDesk)
class Desk:
    @classmethod
    def create_service(cls, context, request):
        return cls()

def include_typed(config: Configurator):
    desk_class = config.maybe_dotted(config.registry.settings["desk.backend"])
    config.register_service_factory(desk_class.create_service, IDesk)

def includeme(config):
    config.add_request_method(Sessions(), name="http", reify=True)
    config.add_request_method(lookup_geo, name="geo")
    config.register_service_factory(Rates.create_service, IRates)
    config.register_service_factory(disk_factory, IStore)
    config.register_service_factory(CloudStore, IStore)
    backend = config.maybe_dotted(config.registry.settings["mail.backend"])
    config.register_service_factory(backend.create_service, IMail)
    config.register_service_factory(lambda context, request: Counter(), ICount, name="visits")
    config.register_service(Audit(), name="audit")

def view(request):
    rates = request.find_service(IRates, context=None)
    store = request.find_service(IStore)
    mail = request.find_service(IMail)
    visits = request.find_service(ICount, name="visits")
    others = request.find_service(ICount, name="other")
    audit = request.find_service(name="audit")
    desk = request.find_service(IDesk)
    http = request.http
    geo = request.geo

def typed(request: Request):
    http = request.http

class Holder:
    def __init__(self):
        self.http = Counter()
    def use(self):
        http = self.http

def not_a_request(client: requests.Session):
    found = client.find_service(IRates)
"""


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def _evaluator(source: str, catalogue: Catalogue) -> Evaluator:
    return Evaluator(Project([summarize(source.encode(), "app.py", "app", False)]), catalogue)


def _label(v: Value) -> str:
    if isinstance(v, Instance):
        return f"{v.qualname}()"
    if isinstance(v, External):
        return v.name
    return getattr(v, "qualname", repr(v))


def _value(ev: Evaluator, function: str, name: str) -> set[str]:
    return {_label(v) for v in ev.eval(Name("n", name), Ctx(0, function))}


@pytest.fixture(scope="module")
def pyramid(catalogue: Catalogue) -> Evaluator:
    return _evaluator(PYRAMID, catalogue)


def test_a_classmethod_factory_gives_an_instance_of_its_class(pyramid: Evaluator) -> None:
    assert _value(pyramid, "view", "rates") == {"Rates()"}


def test_the_session_the_factory_passes_reaches_the_service(pyramid: Evaluator) -> None:
    """`cls(session=request.http)`: `request.http` is what the reified callable object returns."""
    http = Attr("a", Name("n", "self"), "_http")
    assert {_label(v) for v in pyramid.eval(http, Ctx(0, "Rates.today"))} == {"requests.Session"}


def test_every_factory_registered_for_an_interface_is_a_candidate(pyramid: Evaluator) -> None:
    assert _value(pyramid, "view", "store") == {"DiskStore()", "CloudStore()"}


def test_a_factory_chosen_by_a_setting_is_the_declared_implementations(pyramid: Evaluator) -> None:
    """`backend.create_service` cannot be followed: SmtpMail's create_service and NullMail stand in."""
    assert _value(pyramid, "view", "mail") == {"SmtpMail()", "NullMail()"}
    # On a typed Configurator, `maybe_dotted(...).create_service` is an outside name: the same.
    assert _value(pyramid, "view", "desk") == {"Desk()"}


def test_names_select_among_registrations(pyramid: Evaluator) -> None:
    assert _value(pyramid, "view", "visits") == {"Counter()"}
    assert _value(pyramid, "view", "others") == set()
    assert _value(pyramid, "view", "audit") == {"Audit()"}


def test_request_extensions_on_untyped_and_typed_requests(pyramid: Evaluator) -> None:
    assert _value(pyramid, "view", "http") == {"requests.Session"}
    assert _value(pyramid, "typed", "http") == {"requests.Session"}
    # Added as a method (no reify): the attribute is the callable, calling it runs it.
    assert {type(v) for v in pyramid.eval(Name("n", "geo"), Ctx(0, "view"))} == {FunctionRef}


def test_a_known_receiver_keeps_its_own_attributes(pyramid: Evaluator) -> None:
    assert _value(pyramid, "Holder.use", "http") == {"Counter()"}
    assert _value(pyramid, "not_a_request", "found") == {"requests.Session.find_service"}


def test_without_the_framework_file_nothing_is_looked_up() -> None:
    bare = load_catalogue()
    bare.frameworks = [fw for fw in bare.frameworks if fw.name != "pyramid"]
    ev = _evaluator(PYRAMID, bare)
    assert _value(ev, "view", "rates") == set()
    assert _value(ev, "view", "http") == set()


USER_LOCATOR = """
from kit import Registry

class Mailer:
    def send(self): ...

def setup(registry: Registry):
    registry.provide("mail", Mailer)
    registry.extend(lambda request: Mailer(), "mailer", cached=True)

def view(request):
    mail = request.locate("mail")
    mailer = request.mailer
"""


def test_a_users_framework_declares_its_own_locator() -> None:
    catalogue = load_catalogue({"extra-handlers": [{
        "framework": "kit",
        "service_locators": [{"lookups": ["kit.Request.locate"], "name": {"arg": 0}, "untyped_receiver": True,
                              "registrations": [{"calls": ["kit.Registry.provide"], "name": {"arg": 0},
                                                 "factory": {"arg": 1}}]}],
        "request_extensions": [{"calls": ["kit.Registry.extend"], "callable": {"arg": 0}, "name": {"arg": 1},
                                "property_flags": ["cached"], "untyped_receiver": True}],
    }]})
    ev = _evaluator(USER_LOCATOR, catalogue)
    assert _value(ev, "view", "mail") == {"Mailer()"}
    assert _value(ev, "view", "mailer") == {"Mailer()"}


@pytest.mark.parametrize("entry, key", [
    ({"service_locators": [{"lookups": ["a.find"], "interface": {"arg": 0},
                            "registrations": [{"calls": ["a.reg"], "interface": {"arg": 1}}]}]},
     "extra-handlers[0].service_locators[0].registrations[0]"),
    ({"service_locators": [{"lookups": ["a.find"]}]}, "extra-handlers[0].service_locators[0]"),
    ({"service_locators": [{"lookups": ["a.find"], "name": {"arg": 0}, "via": 1}]},
     "extra-handlers[0].service_locators[0].via"),
    ({"request_extensions": [{"calls": ["a.add"], "name": {"arg": 1}}]}, "extra-handlers[0].request_extensions[0]"),
])
def test_malformed_locators_are_rejected_by_key(entry: dict[str, object], key: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue({"extra-handlers": [{"framework": "broken", **entry}]})
    assert caught.value.key == key


FORM_DEFAULT = """
class Checker:
    def check(self): ...

class LoginForm:
    def __init__(self, data, *, checker):
        self.checker = checker

class OtherForm:
    def __init__(self, *, checker):
        self.checker = checker

def login(request, _form_class=LoginForm):
    form = _form_class(request.POST, checker=Checker())

def other(request, form_class=OtherForm):
    form = form_class(checker=None)
"""


def test_a_class_given_as_a_parameter_default_is_constructed_where_the_parameter_is_called(
        catalogue: Catalogue) -> None:
    """`def login(request, _form_class=LoginForm)`: `_form_class(checker=...)` builds a LoginForm,
    so what it passes reaches `self.checker` (warehouse's login, register and reset forms)."""
    ev = _evaluator(FORM_DEFAULT, catalogue)
    checker = Attr("a", Name("n", "self"), "checker")
    method = ev.attr(Instance("inst", 0, "LoginForm"), "checker")
    assert {_label(v) for v in method} == {"Checker()"}
    assert {_label(v) for v in ev.eval(checker, Ctx(0, "OtherForm.__init__"))} == set()


def test_a_lookup_runs_the_project_factories_that_build_the_service(pyramid: Evaluator) -> None:
    """pyramid_services calls the factory at the lookup: its work (a token fetched) is the request's.
    A registered instance, a class and an outside factory run nothing of the project's."""
    fn = pyramid.p.function(0, "view")
    assert fn is not None
    ran = {}
    for cs in fn.scope.calls:
        if cs.tail == "find_service":
            ran[cs.line] = {f.qualname for f in pyramid.locators.factories(cs, Ctx(0, "view"))}
    by_line = [ran[line] for line in sorted(ran)]
    # rates, store, mail, visits, others, audit, desk (in source order)
    assert by_line[:3] == [{"Rates.create_service"}, {"disk_factory"}, {"SmtpMail.create_service"}]
    assert [q.startswith("includeme.<lambda") for q in by_line[3]] == [True]
    assert by_line[4:] == [set(), set(), {"Desk.create_service"}]


NAMED_BACKENDS = """
from zope.interface import Interface, implementer

class IFiles(Interface):
    pass

@implementer(IFiles)
class CacheBucket:
    @classmethod
    def create_service(cls, context, request):
        return cls(request.registry.settings["files.bucket"])

@implementer(IFiles)
class ArchiveBucket:
    @classmethod
    def create_service(cls, context, request):
        bucket = request.registry.settings["archive_files.bucket"]
        return cls(bucket)

@implementer(IFiles)
class Plain:
    @classmethod
    def create_service(cls, context, request):
        return cls()

def includeme(config):
    cache_class = config.maybe_dotted(config.registry.settings["files.backend"])
    config.register_service_factory(cache_class.create_service, IFiles, name="cache")
    archive_class = config.maybe_dotted(config.registry.settings["archive_files.backend"])
    config.register_service_factory(archive_class.create_service, IFiles, name="archive")
    other_class = config.maybe_dotted(config.registry.settings["elsewhere.backend"])
    config.register_service_factory(other_class.create_service, IFiles, name="other")

def view(request):
    cache = request.find_service(IFiles, name="cache")
    archive = request.find_service(IFiles, name="archive")
    other = request.find_service(IFiles, name="other")
"""


def test_a_named_backend_chosen_by_a_setting_is_the_implementation_reading_its_section(catalogue: Catalogue) -> None:
    """`settings["archive_files.backend"]` chooses among the classes whose factory reads
    `archive_files.*`; a setting no implementation reads leaves them all (analysis/sections.py)."""
    ev = _evaluator(NAMED_BACKENDS, catalogue)
    assert _value(ev, "view", "cache") == {"CacheBucket()"}
    assert _value(ev, "view", "archive") == {"ArchiveBucket()"}
    assert _value(ev, "view", "other") == {"CacheBucket()", "ArchiveBucket()", "Plain()"}

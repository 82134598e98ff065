"""One home per fact: a task queue's remedy templates live with the queue (offloads.yaml), a
framework's with the framework (frameworks/<name>.yaml, `like:` to inherit), and the framework
file reference (docs/frameworks.md) is generated and agrees with the parsers."""
from __future__ import annotations

import copy
import importlib.resources
from typing import Any, Callable

import pytest
import yaml

from conftest import REPO
from greenit_async_lint import framework_docs
from greenit_async_lint.catalogue import Catalogue, CatalogueError, default_catalogue
from greenit_async_lint.catalogue.frameworks import _KEYS, _RULE_KEYS
from greenit_async_lint.fix.codemods import SAFETY
from greenit_async_lint.fix.rules import load_remedies, parse_remedies
from greenit_async_lint.fix.templates import FRAMEWORK_KEYS


def _remedies_yaml() -> Any:
    text = importlib.resources.files("greenit_async_lint.rules").joinpath("remedies.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def _error(mutate: Callable[[Catalogue], None]) -> str:
    catalogue = copy.deepcopy(default_catalogue())
    mutate(catalogue)
    with pytest.raises(CatalogueError) as info:
        parse_remedies(_remedies_yaml(), SAFETY, catalogue=catalogue)
    return str(info.value)


def _queue(c: Catalogue, name: str) -> dict[str, Any]:
    return next(q for q in c.offloads.queue_documents if q["name"] == name)


def test_every_shipped_queue_is_catalogued_once_with_its_remedy() -> None:
    detected = [q["name"] for q in default_catalogue().offloads.queue_documents]
    advised = [q.name for q in load_remedies().queues]
    assert advised == detected  # the fixer knows exactly the queues the checker detects
    assert "queues" not in _remedies_yaml()


def test_framework_remedies_come_from_the_framework_files() -> None:
    remedies = load_remedies()
    assert "frameworks" not in _remedies_yaml()
    for name, (where, _section) in default_catalogue().framework_remedies.items():
        assert where == f"frameworks/{name.replace('-', '_')}.yaml"  # (flask-restful: flask_restful.yaml)
        assert remedies.framework(name) is not None
    # Resources answer as Flask views do; Pyramid answers with a Response whatever the renderer.
    assert remedies.frameworks["flask-restful"].accepted == remedies.frameworks["flask"].accepted
    assert remedies.frameworks["pyramid"].accepted.startswith("return Response(json_body=")
    # quart says `like: flask`: Flask's 202 response, its own request objects.
    assert remedies.frameworks["quart"].accepted == remedies.frameworks["flask"].accepted
    assert "quart.request" in remedies.frameworks["quart"].request_objects
    assert "flask.request" not in remedies.frameworks["quart"].request_objects


def test_codemods_read_framework_capabilities_from_the_catalogue() -> None:
    remedies = load_remedies()
    with_background = {name for name, info in remedies.frameworks.items() if info.background_tasks}
    assert "fastapi" in with_background and not {"flask", "django", "drf"} & with_background
    spec = remedies.frameworks["fastapi"].background_tasks
    assert spec is not None and spec.import_.bound == "BackgroundTasks" and "fastapi.BackgroundTasks" in spec.types
    assert remedies.is_injected("fastapi.Depends") and remedies.is_injected("fastapi.params.Security")
    assert not remedies.is_injected("myapp.Depends")
    assert remedies.framework("falcon") is None and remedies.framework(None) is None


@pytest.mark.parametrize("mutate, key", [
    (lambda c: _queue(c, "celery")["remedy"]["job"].update(send="{task}.delay({argz})"),
     "offloads.yaml:queues.celery.remedy.job.send"),
    (lambda c: _queue(c, "rq")["remedy"].pop("title"), "offloads.yaml:queues.rq.remedy.title"),
    (lambda c: _queue(c, "rq")["remedy"].update(colour="red"), "offloads.yaml:queues.rq.remedy.colour"),
    (lambda c: c.framework_remedies["flask"][1].update(accepted="return $result, 202"),
     "frameworks/flask.yaml:remedies.accepted"),
    (lambda c: c.framework_remedies["django"][1]["imports"][0].pop("module"),
     "frameworks/django.yaml:remedies.imports[0].module"),
    (lambda c: c.framework_remedies["quart"][1].update(like="flsk"), "frameworks/quart.yaml:remedies.like"),
    (lambda c: c.framework_remedies["flask"][1].update(like="quart"), "frameworks/"),  # a cycle
    (lambda c: c.framework_remedies["fastapi"][1]["background_tasks"].pop("import"),
     "frameworks/fastapi.yaml:remedies.background_tasks.import"),
    (lambda c: c.framework_remedies["bottle"][1].update(request_objects="bottle.request"),
     "frameworks/bottle.yaml:remedies.request_objects"),
])
def test_malformed_templates_are_rejected_by_key(mutate: Callable[[Catalogue], None], key: str) -> None:
    assert _error(mutate).startswith(key)


def test_a_like_cycle_names_the_chain() -> None:
    message = _error(lambda c: c.framework_remedies["flask"][1].update(like="quart"))
    assert "cycle" in message and "quart -> flask" in message


def test_framework_reference_page_is_current() -> None:
    page = REPO / "docs" / "frameworks.md"
    assert page.read_text("utf-8") == framework_docs.render(), \
        "docs/frameworks.md is stale: run `python -m greenit_async_lint.docs`"


def test_framework_reference_documents_exactly_the_keys_the_parsers_accept() -> None:
    documented = {key: set(subkeys) for key, subkeys, _meaning in framework_docs.SCHEMA}
    assert set(documented) == set(_KEYS) | {"remedies"}
    for section, keys in _RULE_KEYS.items():
        assert documented[section] == keys, section
    assert documented["remedies"] == set(FRAMEWORK_KEYS)


def test_the_reference_example_is_a_valid_framework_file() -> None:
    from greenit_async_lint.catalogue import load_catalogue

    example = yaml.safe_load(framework_docs.EXAMPLE)
    catalogue = load_catalogue({"extra-handlers": [example]})
    assert catalogue.framework("micro") is not None
    remedies = parse_remedies(_remedies_yaml(), SAFETY, catalogue=catalogue)
    assert remedies.frameworks["micro"].accepted == remedies.frameworks["flask"].accepted


def test_a_users_framework_and_queue_from_configuration_get_their_templates() -> None:
    from greenit_async_lint.catalogue import load_catalogue

    catalogue = load_catalogue({
        "extra-handlers": [{"framework": "micro", "decorators": [{"calls": ["micro.App.endpoint"]}],
                            "remedies": {"like": "django"}}],
        "extra-offloads": {"queues": [{"name": "jobs", "enqueue_calls": [{"call": "jobs.submit", "arg": 0}],
                                       "remedy": {"title": "Jobs", "modules": ["jobs"], "packages": [],
                                                  "define": "a jobs task", "send": "`jobs.submit(...)`"}}]}})
    remedies = load_remedies(catalogue)
    assert remedies.frameworks["micro"].accepted == remedies.frameworks["django"].accepted
    assert remedies.queue_by_name["jobs"].title == "Jobs"
    assert load_remedies(catalogue) is remedies and "micro" not in load_remedies().frameworks

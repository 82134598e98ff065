"""rules/remedies.yaml: it loads from the installed package, and every malformed entry is
rejected with an error that names the key at fault."""
from __future__ import annotations

import copy
import importlib.resources

import pytest
import yaml

from greenit_async_lint.fix.codemods import REGISTRY, SAFETY, all_codemods
from greenit_async_lint.fix.rules import When, load_remedies, parse_remedies
from greenit_async_lint.catalogue.schema import CatalogueError


@pytest.fixture
def raw() -> dict:
    text = importlib.resources.files("greenit_async_lint.rules").joinpath("remedies.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def _error(data: dict) -> str:
    with pytest.raises(CatalogueError) as info:
        parse_remedies(data, SAFETY)
    return str(info.value)


def test_shipped_catalogue_loads_with_every_queue_the_checker_knows():
    catalogue = load_remedies()
    names = [q.name for q in catalogue.queues]
    assert names == ["celery", "rq", "dramatiq", "huey", "django-q", "django-tasks", "arq"]
    assert catalogue.remedies[-1].when == When()  # the catch-all
    assert {"flask", "django", "drf", "fastapi", "starlette"} <= set(catalogue.frameworks)


def test_registry_safety_matches_the_codemod_classes():
    """SAFETY is read without importing libcst; it must say what each class says."""
    for name, codemod in all_codemods().items():
        assert codemod.name == name
        assert codemod.safety == SAFETY[name] == REGISTRY[name][0]


def test_every_codemod_is_offered_by_some_remedy():
    offered = {name for remedy in load_remedies().remedies for name in remedy.codemods}
    assert offered == set(REGISTRY)


def test_safe_remedies_list_only_safe_codemods():
    for remedy in load_remedies().remedies:
        if remedy.safety == "safe":
            assert all(SAFETY[name] == "safe" for name in remedy.codemods), remedy.pattern


def test_remedies_never_advise_async_def_for_a_fastapi_def_endpoint():
    """A FastAPI `def` endpoint runs in a thread pool: `async def` would put its work on the loop."""
    for remedy in load_remedies().remedies:
        text = f"{remedy.title} {remedy.description}".lower()
        assert "make it `async def`" not in text and "turn it into `async def`" not in text
        assert "into async def" not in text


@pytest.mark.parametrize("mutate, key", [
    (lambda d: d["remedies"][3].update(safety="maybe"), "remedies.yaml:remedies[3].safety"),
    (lambda d: d["remedies"][4].update(codemods=["no-such-codemod"]), "remedies.yaml:remedies[4].codemods[0]"),
    (lambda d: d["remedies"][4].update(colour="red"), "remedies.yaml:remedies[4].colour"),
    (lambda d: d["remedies"][4]["when"].update(handler="asnyc"), "remedies.yaml:remedies[4].when.handler"),
    (lambda d: d["remedies"][4]["when"].update(queues=["sqs"]), "remedies.yaml:remedies[4].when.queues[0]"),
    (lambda d: d["remedies"][4]["when"].update({"on-loop": "yes"}), "remedies.yaml:remedies[4].when.on-loop"),
    (lambda d: d["remedies"][4].update(title="Use {nothing}"), "remedies.yaml:remedies[4].title"),
    # Queue and framework templates live in offloads.yaml and frameworks/*.yaml: tests/test_catalogue_remedies.py
    (lambda d: d["codemods"].update({"teleport": {}}), "remedies.yaml:codemods.teleport"),
    (lambda d: d["remedies"].pop(), "remedies.yaml:remedies"),
])
def test_malformed_entries_are_rejected_by_key(raw, mutate, key):
    data = copy.deepcopy(raw)
    mutate(data)
    assert _error(data).startswith(key)


def test_a_safe_remedy_cannot_list_an_unsafe_codemod(raw):
    data = copy.deepcopy(raw)
    entry = next(r for r in data["remedies"] if r.get("codemods") == ["move-to-queue"])
    entry["safety"] = "safe"
    assert "is unsafe" in _error(data)


def test_invalid_yaml_names_the_file():
    from greenit_async_lint.fix.rules import load_yaml_text

    with pytest.raises(CatalogueError, match="^remedies.yaml is not valid YAML"):
        load_yaml_text("remedies: [\n")

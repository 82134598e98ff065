"""The framework's request object, parsed from a framework file's `request` section.

Django and Pyramid views take the request as a plain parameter, rarely annotated
(`def upload(request)`): `parameters` names it, `type` is the class it is an instance of.
`bodies` are its attributes holding the posted body (`body`, Pyramid's `json_body`): whatever is
taken from them is as long as the client made it. `fields` hold the form's fields and files
(`POST`, `FILES`): one value or one file each, or the boxes and files the user picked (few), and
rows only once a field's text is split into lines (a pasted list) or a field or a file is parsed
(analysis/requests.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from .schema import CatalogueError, as_mapping, as_str, as_str_list, check_keys

REQUEST_KEYS = {"type", "parameters", "bodies", "fields"}


@dataclass(frozen=True)
class RequestRule:
    """A framework's request: its class, its conventional parameter name, where the posted data is."""

    type: str  # the request class (`django.http.HttpRequest`)
    parameters: tuple[str, ...]  # the name an unannotated request parameter has by the framework's convention
    bodies: tuple[str, ...]  # attributes holding the posted body
    fields: tuple[str, ...]  # attributes holding the form's fields and files

    @property
    def package(self) -> str:
        """The framework's top-level package: a project that never imports it has no such request."""
        return self.type.split(".", 1)[0]


def parse_request(raw: Any, where: str) -> Optional[RequestRule]:
    if raw is None:
        return None
    data = as_mapping(raw, where)
    check_keys(data, REQUEST_KEYS, where)
    rule = RequestRule(as_str(data.get("type"), f"{where}.type"),
                       tuple(as_str_list(data.get("parameters", []), f"{where}.parameters")),
                       tuple(as_str_list(data.get("bodies", []), f"{where}.bodies")),
                       tuple(as_str_list(data.get("fields", []), f"{where}.fields")))
    if not rule.type or "." not in rule.type:
        raise CatalogueError(f"{where}.type", "needs a qualified class name (`django.http.HttpRequest`)")
    return rule

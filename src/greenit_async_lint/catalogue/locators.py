"""Service locators and request extensions, parsed from a framework file.

- `service_locators`: a lookup call (`request.find_service(IFace, name=...)`) gives what the
  project registered for that interface and name: the result of a factory
  (`config.register_service_factory(factory, IFace)`) or an instance
  (`config.register_service(obj, IFace)`). Classes declared as implementing the interface
  (`@implementer(IFace)`) stand in when the registered factory cannot be followed (a class chosen
  by a setting).
- `request_extensions`: a call that adds an attribute to every request
  (`config.add_request_method(make_session, name="http", reify=True)`): `request.http` is then
  what the callable returns (a property), or the callable itself (a method).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .patterns import PatternTable
from .schema import (ArgSpec, CatalogueError, as_bool, as_list, as_mapping, as_str_list, check_keys,
                     optional_spec, pattern_table)

LOCATOR_KEYS = {"lookups", "interface", "name", "registrations", "implementers", "untyped_receiver"}
SERVICE_REGISTRATION_KEYS = {"calls", "factory", "instance", "interface", "name"}
EXTENSION_KEYS = {"calls", "callable", "name", "property_flags", "request_types", "untyped_receiver"}


@dataclass
class ServiceRegistrationRule:
    """A call registering a service, or its factory, with a locator (`config.register_service_factory`)."""

    calls: PatternTable[bool]
    value: ArgSpec  # the factory, or the instance itself
    is_factory: bool
    interface: ArgSpec | None
    name: ArgSpec | None


@dataclass
class ServiceLocatorRule:
    """A service-locator lookup (`request.find_service(IFace)`) and the registrations it resolves through."""

    lookups: PatternTable[bool]
    interface: ArgSpec | None
    name: ArgSpec | None
    registrations: list[ServiceRegistrationRule] = field(default_factory=list)
    implementers: PatternTable[bool] = field(default_factory=PatternTable)  # class decorators naming interfaces
    untyped_receiver: bool = False  # a lookup on a receiver of unknown type counts


@dataclass
class RequestExtensionRule:
    """A call adding an attribute or a method to the request (`config.add_request_method`)."""

    calls: PatternTable[bool]
    callable: ArgSpec
    name: ArgSpec | None
    property_flags: tuple[str, ...]  # keywords whose true value makes the attribute the callable's result
    request_types: PatternTable[bool]  # the request types the attribute is added to
    untyped_receiver: bool = False  # and receivers of unknown type


def parse_service_locators(raw: Any, where: str) -> list[ServiceLocatorRule]:
    out: list[ServiceLocatorRule] = []
    for i, r in enumerate(as_list(raw, where)):
        k = f"{where}[{i}]"
        data = as_mapping(r, k)
        check_keys(data, LOCATOR_KEYS, k)
        rule = ServiceLocatorRule(pattern_table(data.get("lookups"), f"{k}.lookups"),
                                  optional_spec(data.get("interface"), f"{k}.interface"), optional_spec(data.get("name"), f"{k}.name"),
                                  implementers=pattern_table(data.get("implementers", []), f"{k}.implementers"),
                                  untyped_receiver=as_bool(data.get("untyped_receiver", False),
                                                           f"{k}.untyped_receiver"))
        if rule.interface is None and rule.name is None:
            raise CatalogueError(k, "needs `interface` or `name`")
        for j, reg in enumerate(as_list(data.get("registrations"), f"{k}.registrations")):
            rk = f"{k}.registrations[{j}]"
            rd = as_mapping(reg, rk)
            check_keys(rd, SERVICE_REGISTRATION_KEYS, rk)
            if ("factory" in rd) == ("instance" in rd):
                raise CatalogueError(rk, "needs one of `factory` or `instance`")
            is_factory = "factory" in rd
            value = ArgSpec.parse(rd["factory" if is_factory else "instance"], f"{rk}.{'factory' if is_factory else 'instance'}")
            rule.registrations.append(ServiceRegistrationRule(
                pattern_table(rd.get("calls"), f"{rk}.calls"), value, is_factory,
                optional_spec(rd.get("interface"), f"{rk}.interface"), optional_spec(rd.get("name"), f"{rk}.name")))
        out.append(rule)
    return out


def parse_request_extensions(raw: Any, where: str) -> list[RequestExtensionRule]:
    out: list[RequestExtensionRule] = []
    for i, r in enumerate(as_list(raw, where)):
        k = f"{where}[{i}]"
        data = as_mapping(r, k)
        check_keys(data, EXTENSION_KEYS, k)
        callable_spec = optional_spec(data.get("callable"), f"{k}.callable")
        if callable_spec is None:
            raise CatalogueError(k, "needs `callable`")
        out.append(RequestExtensionRule(pattern_table(data.get("calls"), f"{k}.calls"), callable_spec,
                                        optional_spec(data.get("name"), f"{k}.name"),
                                        tuple(as_str_list(data.get("property_flags", []), f"{k}.property_flags")),
                                        pattern_table(data.get("request_types", []), f"{k}.request_types"),
                                        as_bool(data.get("untyped_receiver", False), f"{k}.untyped_receiver")))
    return out

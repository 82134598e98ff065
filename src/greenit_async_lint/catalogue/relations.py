"""Relations between models, parsed from a framework file's `relations` section.

A foreign key declared on a child model (`job = ForeignKey(ImportJob, related_name="items")`)
gives its parent a relation (`job.items`, or `importitem_set` by default) whose rows are children:
a loop over it yields instances of the child. `creates` are the outside calls that create a child
(besides calling its class): the engine asks them how the project fills the relation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from .patterns import PatternTable
from .schema import ArgSpec, CatalogueError, as_mapping, as_str, check_keys, optional_spec, pattern_table

RELATION_KEYS = {"fields", "parent", "name", "default_name", "creates"}


@dataclass
class RelationRules:
    """A framework's foreign keys: which field calls they are, and how the parent names its children."""

    fields: PatternTable[bool]  # the foreign-key field classes
    parent: ArgSpec  # the parent model in the field's call
    name: Optional[ArgSpec]  # the relation's name on the parent (`related_name`)
    default_name: str  # without one: `{child}` is the child class's name in lower case
    creates: PatternTable[bool]  # outside calls creating a child (`Child.objects.create`)


def parse_relations(raw: Any, where: str) -> Optional[RelationRules]:
    if raw is None:
        return None
    data = as_mapping(raw, where)
    check_keys(data, RELATION_KEYS, where)
    parent = optional_spec(data.get("parent"), f"{where}.parent")
    if parent is None:
        raise CatalogueError(where, "needs `parent`")
    default = as_str(data.get("default_name", "{child}_set"), f"{where}.default_name")
    if "{child}" not in default:
        raise CatalogueError(f"{where}.default_name", "must contain `{child}`")
    return RelationRules(pattern_table(data.get("fields"), f"{where}.fields"), parent,
                         optional_spec(data.get("name"), f"{where}.name"), default,
                         pattern_table(data.get("creates", []), f"{where}.creates"))

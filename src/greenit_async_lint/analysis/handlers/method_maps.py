"""Handler methods named by a mapping call: a custom DRF router's
`Route(url=..., mapping={"get": "bulk_list", "post": "bulk_create"})` routes those viewset methods.
The names become class-view methods for the rule's bases, wherever the call is made.
"""
from __future__ import annotations

from ...catalogue.frameworks import ClassViewRule, FrameworkRules
from ...catalogue.patterns import tails
from ..evaluate import arg_value
from ..ir import Const, DictItems
from .model import Scan


def mapped_views(scan: Scan) -> list[tuple[FrameworkRules, ClassViewRule]]:
    """One class-view rule per method-map rule, with the method names its calls map to."""
    out: list[tuple[FrameworkRules, ClassViewRule]] = []
    for fw in scan.frameworks:
        for rule in fw.method_maps:
            names: list[str] = []
            for _seq, cs, ctx in scan.index.calls(tails(rule.calls.patterns())):
                if not any(rule.calls.match(name) for name in scan.names(cs.func, ctx)):
                    continue
                mapping = arg_value(cs.args, cs.kwargs, rule.mapping)
                for value in mapping.values if isinstance(mapping, DictItems) else ():
                    if isinstance(value, Const) and isinstance(value.value, str) and value.value not in names:
                        names.append(value.value)
            if names:
                out.append((fw, ClassViewRule(rule.bases, tuple(names))))
    return out

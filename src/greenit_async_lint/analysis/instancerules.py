"""The frameworks' `instances` rules (rules/frameworks: outside calls that give back, or iterate
over, instances of the project class they are made on: `Report.objects.get(...)` is a Report),
asked by name. Every evaluation of a call asks, of a few thousand distinct names: the answer is
kept per name."""
from __future__ import annotations

from ..catalogue import Catalogue
from ..catalogue.patterns import PatternTable


class InstanceRules:
    def __init__(self, catalogue: Catalogue) -> None:
        self.rules = [fw.instances for fw in catalogue.frameworks]
        self._named: dict[tuple[str, str], bool] = {}
        # Each kind's patterns of every framework in one table: a new name tries their globs once,
        # not once per framework.
        self._tables: dict[str, PatternTable[bool]] = {}

    def names(self, kind: str, name: str) -> bool:
        """Whether a rule of this kind (`first_arg`, `returns`, `iterates`) names the outside call."""
        key = (kind, name)
        found = self._named.get(key)
        if found is None:
            table = self._tables.get(kind)
            if table is None:
                table = self._tables[kind] = PatternTable.any_of(getattr(rule, kind) for rule in self.rules)
            found = self._named[key] = table.match(name) is not None
        return found

"""Inventory coverage: how many route registrations the checker followed to a view.

The handler inventory is the denominator of the compliance verdict: a registration whose view
could not be followed is a handler whose work is never looked at. Every format (text, JSON,
Markdown, HTML, the gate) reads the counts through these helpers and says it in one wording.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from .model import Report, mapping


class Inventory(NamedTuple):
    registrations: int  # route registrations seen: calls, decorators, URL list entries
    resolved: int  # followed to a function or class of the project
    outside: int  # followed to a view of an installed package (not checked)
    unresolved: int  # not followed: their handlers may be missing from the report
    unresolved_list: list[Mapping[str, Any]]  # path, line, framework, kind, route, view


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def inventory(report: Report) -> Inventory:
    """The counts of a report; zero for a report from before the inventory (or a runtime one)."""
    summary = mapping(report.get("summary"))
    listed = [u for u in report.get("unresolved") or [] if isinstance(u, Mapping)]
    return Inventory(_count(summary.get("registrations")), _count(summary.get("resolved")),
                     _count(summary.get("outside")), _count(summary.get("unresolved")), listed)


def inventory_sentence(inv: Inventory) -> str:
    """"1,004 of 1,023 route registrations resolved; 19 could not be followed"."""
    followed = inv.resolved + inv.outside
    outside = f" ({inv.outside:,} to installed packages' views)" if inv.outside else ""
    if not inv.unresolved:
        return f"all {inv.registrations:,} route registrations resolved{outside}"
    return (f"{followed:,} of {inv.registrations:,} route registrations resolved{outside}; "
            f"{inv.unresolved:,} could not be followed")


def mostly_unresolved(inv: Inventory) -> bool:
    """More registrations were not followed than were: the report cannot read as a pass."""
    return inv.unresolved * 2 > inv.registrations > 0


def incomplete_warning(inv: Inventory) -> str:
    """Empty unless most registrations were not followed; else what that means for the verdict."""
    if not mostly_unresolved(inv):
        return ""
    return (f"most route registrations ({inv.unresolved:,} of {inv.registrations:,}) could not be followed to "
            "their views: the handler inventory is incomplete and the verdict covers only the handlers found; "
            "catalogue the registration style (extra-handlers) or see --show-unresolved")


def merged_inventory(reports: list[Mapping[str, Any]]) -> tuple[dict[str, int], list[Mapping[str, Any]]]:
    """The coverage of several static reports merged into one (services of one monorepo): counts
    summed, unresolved registrations listed once each. Empty when no input carries an inventory."""
    counts = {"registrations": 0, "resolved": 0, "outside": 0, "unresolved": 0}
    listed: dict[tuple[str, str, str], Mapping[str, Any]] = {}
    found = False
    for report in reports:
        if "registrations" not in mapping(report.get("summary")):
            continue
        found = True
        inv = inventory(report)
        counts["registrations"] += inv.registrations
        counts["resolved"] += inv.resolved
        counts["outside"] += inv.outside
        counts["unresolved"] += inv.unresolved
        for entry in inv.unresolved_list:
            listed.setdefault((str(entry.get("path")), str(entry.get("line")), str(entry.get("view"))), entry)
    return (counts, list(listed.values())) if found else ({}, [])

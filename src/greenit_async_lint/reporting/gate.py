"""The CI gate: whether a report breaks the build.

Pure functions; the CLI reads `--max-violations` and `--fail-on` (or the config) and returns
`gate_exit_code(...)` as its exit status. Findings accepted in a baseline never count.
"""
from __future__ import annotations

from .inventory import inventory
from .model import Report, active, counted_severities, findings


def gate_count(report: Report, fail_on: str = "violation") -> int:
    """Number of findings that count against the gate: non-baselined violations, plus warnings
    when `fail_on == "warning"`. Analysis errors (GAL9xx) never count here; the CLI reports them."""
    severities = counted_severities(fail_on)
    return sum(1 for f in active(findings(report)) if f.get("severity") in severities)


def gate_exit_code(report: Report, max_violations: int = 0, fail_on: str = "violation") -> int:
    """1 when more findings count than `max_violations` allows, else 0.

    Raises ValueError for an unknown `fail_on` or a negative maximum, so that a typo in the
    configuration cannot silently turn the gate off.
    """
    if max_violations < 0:
        raise ValueError(f"max_violations must be 0 or more, not {max_violations}")
    return 1 if gate_count(report, fail_on) > max_violations else 0


def unresolved_exit_code(report: Report, fail_on_unresolved: int | None) -> int:
    """1 when more route registrations could not be followed to their views than
    `fail_on_unresolved` allows (None: the count never fails the gate, it only warns)."""
    if fail_on_unresolved is None:
        return 0
    if fail_on_unresolved < 0:
        raise ValueError(f"fail_on_unresolved must be 0 or more, not {fail_on_unresolved}")
    return 1 if inventory(report).unresolved > fail_on_unresolved else 0

"""The practice every report checks: GreenIT best practice 112, its identifiers and its threshold.

Kept as data in one place so that the Markdown and HTML compliance reports, the SARIF rule tags and
the docs cite the practice the same way. The numbering follows the card in
`shared/seed/greenit-bp-112.*.md` and the RWEB renumbering (no. 8 in V2/V3, no. 7 from V4 on).
"""
from __future__ import annotations

from typing import Final

#: Title of the practice in English, then the French original (the reference text).
TITLE: Final = "Offer asynchronous processing where possible"
TITLE_FR: Final = "Proposer un traitement asynchrone lorsque c'est possible"

#: (label, value) pairs in the order the compliance reports print them.
IDENTIFIERS: Final[tuple[tuple[str, str], ...]] = (
    ("GreenIT", "112"),
    ("RWEB V2", "8"),
    ("RWEB V3", "8"),
    ("RWEB V4 and later", "7"),
)

CATEGORIES: Final[tuple[tuple[str, str], ...]] = (
    ("Life-cycle stage", "2. Design"),
    ("Tier", "Network"),
    ("Responsible", "Software architect / developer"),
)

INDICATORS: Final[tuple[tuple[str, str], ...]] = (
    ("Priority", "4"),
    ("Ease of implementation", "3"),
    ("Ecological impact", "4"),
)

RESOURCES_SAVED: Final = ("RAM", "Network", "Requests")

#: The validation principle: "the number of synchronous processings that take more than one
#: minute is at most 0".
VALIDATION_SUBJECT: Final = "synchronous processings that take more than one minute"
VALIDATION_MAX: Final = 0
THRESHOLD_SECONDS: Final = 60.0

COMPLIANT: Final = "COMPLIANT"
NOT_COMPLIANT: Final = "NOT COMPLIANT"

#: Short tag used in SARIF rule properties and GitLab categories.
TAG: Final = "greenit-112"


def citation() -> str:
    """One line that names the practice with all its identifiers, for report headers."""
    ids = ", ".join(f"{label} no. {value}" for label, value in IDENTIFIERS[1:])
    return f"GreenIT best practice 112 ({ids}): {TITLE}"


def validation_principle() -> str:
    """The validation principle as one sentence."""
    return f"The number of {VALIDATION_SUBJECT} is at most {VALIDATION_MAX}."


def verdict_for(count: int) -> str:
    """COMPLIANT when the measured count does not exceed the practice's maximum."""
    return COMPLIANT if count <= VALIDATION_MAX else NOT_COMPLIANT

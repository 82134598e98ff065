"""Shared test helpers: run the engine on a folder, read the expectations annotated in fixtures."""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
sys.path.insert(0, str(Path(__file__).resolve().parent))

# `# GAL106!` expects a violation, `# GAL106?` a warning, `# GAL901!!` a file error. The marker is
# required: violation vs warning is what fails the gate, so an annotation must say which it expects.
SEVERITY_MARKERS = {"!!": "error", "!": "violation", "?": "warning"}
MARKER_FOR = {severity: marker for marker, severity in SEVERITY_MARKERS.items()}
_CODE = r"GAL\d{3}(?:!!|!|\?)"
_EXPECT = re.compile(rf"#\s*({_CODE}(?:[ ,]+{_CODE})*)\s*$")
# A trailing comment that starts with a code but is not a well-formed annotation (a missing or
# unknown marker): an error, not "no expectation", so that a typo cannot silently expect nothing.
_LOOKS_LIKE = re.compile(r"#\s*GAL\d{3}\S*(?:[ ,]+GAL\d{3}\S*)*\s*$")


class Expected(NamedTuple):
    path: str
    line: int
    code: str
    severity: str


class AnnotationError(ValueError):
    """An annotation without a severity marker, or with one that is not `!`, `?` or `!!`."""


def parse_annotation(line: str, where: str = "") -> list[tuple[str, str]]:
    """[(code, severity)] for a line's trailing annotation; [] when it has none."""
    match = _EXPECT.search(line)
    if match:
        return [(item.rstrip("!?"), SEVERITY_MARKERS[item[6:]]) for item in re.split(r"[ ,]+", match.group(1))]
    if _LOOKS_LIKE.search(line):
        raise AnnotationError(f"{where}: annotation {line.strip()!r} needs a severity marker on every code: "
                              "GAL106! (violation), GAL106? (warning) or GAL901!! (error)")
    return []


def expected_in_text(text: str, rel: str = "example.py") -> set[Expected]:
    out: set[Expected] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        for code, severity in parse_annotation(line, f"{rel}:{number}"):
            out.add(Expected(rel, number, code, severity))
    return out


def expected_findings(folder: Path) -> set[Expected]:
    """(relative path, line, code, severity) for every trailing `# GAL123!` annotation under `folder`."""
    out: set[Expected] = set()
    for path in sorted(folder.rglob("*.py")):
        out |= expected_in_text(path.read_text("utf-8"), path.relative_to(folder).as_posix())
    return out


def actual_findings(report) -> set[Expected]:
    """The report's findings in the shape of the annotations."""
    return {Expected(f.path, f.line, f.code, f.severity) for f in report.findings}


def pytest_configure(config: pytest.Config) -> None:
    """A typo in GREENIT_REQUIRE would require nothing and let CI skip again: refuse it at once."""
    from capabilities import UnknownCapability, required

    try:
        required()
    except UnknownCapability as error:
        raise pytest.UsageError(str(error)) from None


@pytest.fixture
def run_check(tmp_path):
    """Analyse a folder (relative paths in the report are relative to it); returns the Report."""
    from greenit_async_lint.config import Config
    from greenit_async_lint.analysis.engine import analyse

    def run(folder: Path, config: Config | None = None, paths=None):
        config = config or Config(cache=False, jobs=1)
        return analyse(paths or ["."], config, cwd=folder)

    return run

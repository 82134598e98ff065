"""Shared test helpers: run the engine on a folder, read the expectations annotated in fixtures."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
sys.path.insert(0, str(Path(__file__).resolve().parent))

_EXPECT = re.compile(r"#\s*((?:GAL\d{3})(?:[ ,]+GAL\d{3})*)\s*$")


def expected_findings(folder: Path) -> set[tuple[str, int, str]]:
    """(relative path, line, code) for every trailing `# GAL123` annotation under `folder`."""
    out: set[tuple[str, int, str]] = set()
    for path in sorted(folder.rglob("*.py")):
        rel = path.relative_to(folder).as_posix()
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            match = _EXPECT.search(line)
            if match:
                for code in re.split(r"[ ,]+", match.group(1)):
                    out.add((rel, number, code))
    return out


@pytest.fixture
def run_check(tmp_path):
    """Analyse a folder (relative paths in the report are relative to it); returns the Report."""
    from greenit_async_lint.config import Config
    from greenit_async_lint.analysis.engine import analyse

    def run(folder: Path, config: Config | None = None, paths=None):
        config = config or Config(cache=False, jobs=1)
        return analyse(paths or ["."], config, cwd=folder)

    return run

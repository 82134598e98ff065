"""pytest set-up for the fixer's tests.

`pytest tests/fix --update-fix-golden` rewrites the golden `*.fixed.py` files under
tests/fix/cases/ from what the fixer produces (review the diff before committing it). The option
is declared here, so name this folder on the command line when you use it.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

# fixtools, the shared helpers. Appended, not prepended: `from conftest import ...` in the other
# test folders must still find tests/conftest.py.
sys.path.append(str(Path(__file__).resolve().parent))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-fix-golden", action="store_true", default=False,
                     help="rewrite tests/fix/cases/**/*.fixed.py from the fixer's output")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    try:
        return bool(request.config.getoption("--update-fix-golden"))
    except ValueError:  # the option is unknown when this conftest was not loaded at start-up
        return False

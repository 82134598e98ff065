"""The package type-checks (STYLE: type hints everywhere, mypy clean)."""
from __future__ import annotations

import subprocess
import sys

from capabilities import import_or_skip
from conftest import REPO


def test_mypy_finds_no_type_errors() -> None:
    import_or_skip("mypy", "mypy")
    result = subprocess.run([sys.executable, "-m", "mypy", "src/greenit_async_lint"], cwd=REPO,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:]

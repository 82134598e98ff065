"""The crash corpus (issue 17): hostile inputs, generated programs and call graphs, cache
corruption. `GREENIT_NIGHTLY=1` runs the generated corpora at full size (thousands of programs,
thousands of corruptions); the default run keeps a few hundred so the suite stays fast."""
from __future__ import annotations

import sys
from pathlib import Path

# crashkit, the shared runner. Appended, not prepended: `from conftest import ...` in the other
# test folders must still find tests/conftest.py.
sys.path.append(str(Path(__file__).resolve().parent))

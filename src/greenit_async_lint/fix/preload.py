"""What the fix layer does while the parse workers take their first files: import libcst and the
codemods (about 0.2 s of CPU, most of a small project's fix suggestions), for a report that carries
diffs, and find the project's task queues, for every report (queues.detect reads the imports of
every module under the project's root: 729 files for jupyter-server's 88 checked ones).

The parent summarises its share of the files beside forked workers, which claim chunks from one
pipe of claims (analysis/fanout.py): when the parent starts with this work instead, the workers
take more of the files meanwhile, and the check's wall time grows by about half of what this
work then saves after the analysis. check.py makes a `Preload` for every run (with the imports
only for a report that carries diffs), and the workers run it (`workers.BEFORE_SHARE`) only when
the files are summarised by several processes: a run answered from its caches imports nothing it
does not need (a warm run never imports libcst), and a run in one process has nothing to overlap.

When the fixer was forked (fixer.py, which imports libcst itself for the planning), check.py
turns the imports off: this process then never imports libcst.

It runs in the parent's own thread, so it needs no lock and no later fork can meet it. Nothing
here decides anything: an import that fails is made again where the code needs it, and raises
there as it would have; a detection that fails is made again by attach_fixes.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from ..catalogue.sources import built
from .codemods import REGISTRY

if TYPE_CHECKING:
    from ..catalogue import Catalogue
    from ..catalogue.sources import OnDemand
    from .cache import FoundStack

# What planning a fix imports (apply.py, the codemods and libcst with them); libcst.codemod is
# left out: only a fix that adds a `from` import or removes one needs it (none in the primer).
MODULES = (f"{__package__}.apply", *(f"{__package__}.codemod_{entry[1]}" for entry in REGISTRY.values()))


class Preload:
    """The imports and the queue detection of one run (see the module docstring)."""

    def __init__(self, paths: list[str], cwd: Path, cache_dir: Optional[Path], catalogue: "Catalogue | OnDemand",
                 imports: bool = True) -> None:
        self.imports = imports  # libcst and the codemods: only a report with diffs plans fixes
        self.paths = paths
        self.cwd = cwd
        self.cache_dir = cache_dir
        self.catalogue = catalogue  # the run's: attach_fixes then finds the same remedies
        self.found: Optional["FoundStack"] = None  # the queues, once run (None: not run, or failed)

    def __call__(self) -> None:
        try:
            for name in MODULES if self.imports else ():
                importlib.import_module(name)
        except Exception:  # noqa: BLE001 - made again, and raised, by the code that needs it
            pass
        try:
            from .cache import find_stack
            from .remedies import stack_paths
            from .rules import load_remedies

            remedies = load_remedies(built(self.catalogue))
            self.found = find_stack(self.cache_dir, stack_paths(self.paths, self.cwd), remedies)
        except Exception:  # noqa: BLE001 - attach_fixes detects the queues itself
            self.found = None

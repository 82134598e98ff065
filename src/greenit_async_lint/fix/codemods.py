"""The codemods `greenit-async-lint fix` can apply, by the name remedies.yaml uses for them.

One module per codemod (`codemod_<name>.py`, beside this one: a flat layout, so that the wheel's
explicit package list ships them); each is a `Codemod` with a name, a safety (`safe` keeps the
program's meaning, `unsafe` changes behaviour and is applied only with `--unsafe-fixes`) and a
`plan` method that adds its edits to a `Changes` set or says why it cannot.

`SAFETY` lists them without importing libcst, so that choosing remedies (which every `check`
does) stays cheap; `get(name)` imports a codemod when a fix is planned. A test checks that the
two agree.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .codemod_base import Codemod

# name -> (safety, module, class)
REGISTRY: dict[str, tuple[str, str, str]] = {
    "asyncio-sleep": ("safe", "asyncio_sleep", "AsyncioSleep"),
    "to-thread": ("safe", "to_thread", "ToThread"),
    "requests-timeout": ("safe", "requests_timeout", "RequestsTimeout"),
    "fastapi-background-task": ("unsafe", "background_tasks", "FastapiBackgroundTask"),
    "move-to-queue": ("unsafe", "move_to_queue", "MoveToQueue"),
}
SAFETY: dict[str, str] = {name: entry[0] for name, entry in REGISTRY.items()}
# The files of a finding each codemod parses, for sharing the planning out (parallel.py): the
# handler's and the first call's on the chain (the call a handler makes, which the thread and
# the queue wrap, or the handler they rewrite), or the catalogued call's (`leaf`), which a
# timeout is added to. The calls between are read only when the first ones are awaited.
READS: dict[str, str] = {"requests-timeout": "leaf"}
_LOADED: dict[str, "Codemod"] = {}


def get(name: str) -> "Codemod":
    if name not in _LOADED:
        _, module, cls = REGISTRY[name]
        _LOADED[name] = getattr(importlib.import_module(f"{__package__}.codemod_{module}"), cls)()
    return _LOADED[name]


def all_codemods() -> dict[str, "Codemod"]:
    return {name: get(name) for name in REGISTRY}

"""Skips that CI can forbid: a test that needs a capability of the machine skips without it, unless
the capability is required, in which case it fails.

CI installs Chromium, pre-commit and the real servers on purpose; a failed install there must
fail the build, not turn five tests into skips nobody reads. It says so with
`GREENIT_REQUIRE=chromium,pre-commit,servers,git,mypy` (or `all`); a developer's machine sets
nothing and keeps the skips.
"""
from __future__ import annotations

import importlib
import os
import re
from types import ModuleType
from typing import NoReturn

import pytest

ENV = "GREENIT_REQUIRE"
CAPABILITIES = {
    "chromium": "Debian's chromium, which renders the HTML report",
    "pre-commit": "pre-commit, and the package index it installs the hook's environment from",
    "servers": "the real WSGI/ASGI servers (gunicorn, uvicorn, waitress) the runtime hook runs under",
    "git": "the git program",
    "mypy": "mypy, which type-checks the package",
}


class UnknownCapability(ValueError):
    pass


def required() -> set[str]:
    """The capabilities named in GREENIT_REQUIRE; an unknown name is an error, not a no-op."""
    names = {name.strip() for name in os.environ.get(ENV, "").split(",") if name.strip()}
    if "all" in names:
        return set(CAPABILITIES)
    unknown = sorted(names - set(CAPABILITIES))
    if unknown:
        raise UnknownCapability(f"{ENV} names unknown capabilities {unknown}; known: {sorted(CAPABILITIES)} or all")
    return names


def skip_unless_available(capability: str, reason: str, module_level: bool = False) -> NoReturn:
    """Skip for lack of `capability`, or fail when it is required."""
    if capability not in CAPABILITIES:
        raise UnknownCapability(capability)
    if capability in required():
        pytest.fail(f"{reason}; {ENV} requires {capability} ({CAPABILITIES[capability]})", pytrace=False)
    pytest.skip(reason, allow_module_level=module_level)


def import_or_skip(module: str, capability: str, module_level: bool = False) -> ModuleType:
    """`pytest.importorskip` that fails when `capability` is required."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        skip_unless_available(capability, f"{module} is not installed ({error})", module_level)


# What pip prints when it cannot reach the package index at all. "Could not find a version that
# satisfies the requirement" is left out on purpose: pip prints it for a requirement that does not
# exist too, and a broken requirement must fail, not skip.
_NO_INDEX = re.compile(r"NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution|"
                       r"Name or service not known|Network is unreachable|ProxyError|ConnectTimeoutError")


def no_package_index(output: str) -> bool:
    """pip's output says the package index could not be reached (not that a requirement is wrong)."""
    return bool(_NO_INDEX.search(output))

"""How the command line process ends: `greenit-async-lint` (the console script) and
`python -m greenit_async_lint` both come here, so both leave the same way."""
from __future__ import annotations

import os
import sys
from typing import NoReturn

from .analysis import codecache

codecache.install()  # before the command line's imports make their dataclasses

from .cli import main  # noqa: E402 - after the dataclasses' code is kept


def leave(code: int) -> NoReturn:
    codecache.save()  # the code of the dataclasses this run made first
    check = sys.modules.get(f"{__package__}.check")
    # Not under a profiler or a coverage tracer (`python -m cProfile -m greenit_async_lint ...`): they
    # write their results after the command returns.
    if check is not None and getattr(check, "_PARKED", None) and sys.getprofile() is None and sys.gettrace() is None:
        # A check ran: leave without the interpreter's teardown, which would free every object of the
        # run one by one (half a second for a large project, see check.py's _PARKED) just before the
        # process ends. Its output is flushed here; nothing else is pending (the parse workers are
        # joined, and a check registers no atexit hook; the runtime commands, which do, never park).
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):  # a closed pipe: exit as the interpreter would
            raise SystemExit(code) from None
        os._exit(code if isinstance(code, int) else 1)
    raise SystemExit(code)


def console() -> NoReturn:
    """The `greenit-async-lint` console script (pyproject.toml [project.scripts])."""
    leave(main())

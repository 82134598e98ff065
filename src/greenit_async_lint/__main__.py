"""`python -m greenit_async_lint` is the command line."""
import os
import sys

# `python -m` puts the current folder first on sys.path, and the checker runs from the root of the
# project it checks: that project's `locale.py` or `logging.py` would be imported in place of the
# standard library's the first time the checker needs one (argparse imports locale through gettext),
# running the checked code and failing the check. The checker never imports the code it reads.
if sys.path and sys.path[0] in ("", os.getcwd()) and not getattr(sys.flags, "safe_path", False):  # -P (3.11)
    del sys.path[0]

from .leave import console  # noqa: E402 - after the path is made safe

console()

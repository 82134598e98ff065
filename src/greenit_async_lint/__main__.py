"""`python -m greenit_async_lint` is the command line."""
from .cli import main

raise SystemExit(main())

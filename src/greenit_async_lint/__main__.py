"""`python -m greenit_async_lint` is the command line."""
from .leave import console

console()

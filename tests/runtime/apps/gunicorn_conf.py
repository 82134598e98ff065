"""gunicorn config for the runtime tests: the documented worker_abort recipe."""
from greenit_async_lint.runtime.gunicorn import worker_abort  # noqa: F401

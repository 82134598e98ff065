"""greenit-async-lint: checks Python web code against GreenIT best practice 112.

Practice 112 ("offer asynchronous processing where possible") allows no synchronous request
processing longer than one minute. The static checker finds request handlers and the long or
blocking work they reach; the runtime hook measures how long users really wait.
"""
from __future__ import annotations

__version__ = "0.1.0"

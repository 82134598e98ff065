"""Placeholder; filled in by its own capability."""

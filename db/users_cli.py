"""`python -m db users ...` (filled in by access control)."""

from __future__ import annotations


def register(sub, command) -> None:
    """Add the `users` command group to the CLI's subparsers."""

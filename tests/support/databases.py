"""Marks for tests that only mean something on PostgreSQL (the production and CI database)."""

from __future__ import annotations

import os

import pytest
from django.db import connection


def needs_postgresql(why: str) -> pytest.MarkDecorator:
    """Skip on SQLite (a developer's default), saying why; never under CI=true, where the CI
    guard in tests/conftest.py has already refused to run on anything but PostgreSQL."""
    return pytest.mark.skipif(
        connection.vendor != "postgresql" and os.environ.get("CI", "").lower() != "true",
        reason=f"needs PostgreSQL: {why} (run with DATABASE_URL=postgres://...; CI always does)",
    )

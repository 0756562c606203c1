"""Fixtures for the scheduling tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.intake.scheduling.helpers import CommittedServices


@pytest.fixture
def svc(django_capture_on_commit_callbacks: Callable[..., Any]) -> CommittedServices:
    """The booking services, each call run as if its transaction committed (see helpers)."""
    return CommittedServices(django_capture_on_commit_callbacks)

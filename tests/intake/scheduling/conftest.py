"""Fixtures for the scheduling tests."""

from __future__ import annotations

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks

from tests.intake.clinic_clock import clinic_clock
from tests.intake.scheduling.helpers import CommittedServices

__all__ = ["clinic_clock", "svc"]


@pytest.fixture
def svc(django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> CommittedServices:
    """The booking services, each call run as if its transaction committed (see helpers)."""
    return CommittedServices(django_capture_on_commit_callbacks)

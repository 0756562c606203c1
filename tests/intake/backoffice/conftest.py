"""Fixtures for the staff pages' tests."""

from tests.intake.backoffice.signin import clock

__all__ = ["clock"]

"""Fixtures for the staff pages' tests."""

from tests.intake.backoffice.signin import clock
from tests.intake.clinic_clock import clinic_clock

__all__ = ["clinic_clock", "clock"]

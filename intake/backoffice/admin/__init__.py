"""The admin's registrations, found by the admin's autodiscovery (it imports `<app>.admin`)."""

from intake.backoffice.admin import release, scheduling, submissions

__all__ = ["release", "scheduling", "submissions"]

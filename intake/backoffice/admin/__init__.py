"""The admin's registrations, found by the admin's autodiscovery (it imports `<app>.admin`).

One module per part of the staff site; none imports another (shared pieces live in `base`,
`intake.backoffice.forms`, `.permissions`, `.display` and `.audit`).
"""

from intake.backoffice.admin import records, release, scheduling, submissions, to_book, users

__all__ = ["records", "release", "scheduling", "submissions", "to_book", "users"]

"""The admin's registrations, found by the admin's autodiscovery (it imports `<app>.admin`).

One module per part of the staff site; none imports another (shared pieces live in `base`,
`intake.backoffice.forms`, `.permissions`, `.display` and `.audit`).
"""

from intake.backoffice.admin import (
    api_clients,
    records,
    release,
    scheduling,
    submissions,
    to_book,
    users,
)

__all__ = ["api_clients", "records", "release", "scheduling", "submissions", "to_book", "users"]

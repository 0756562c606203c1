"""The printable day sheet (intake/backoffice/views/diary.py): what it shows, that it is
audited as an export, and that odd query values are no server error."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from intake.models import AuditEvent
from intake.scheduling.services import booking
from tests.factories import TriagedSubmissionFactory
from tests.intake.backoffice.staff import logged_in, slot_in

pytestmark = pytest.mark.django_db

SHEET = "/admin/scheduling/appointment/day-sheet/"


def test_day_sheet_is_printable_and_audited_as_an_export(receptionist: User) -> None:
    slot = slot_in(24 * 3)
    booked = booking.appointment_book(
        submission=TriagedSubmissionFactory(patient__full_name="Ada <b>Brook</b>"),
        slot=slot,
        actor=receptionist,
    )
    day = timezone.localdate(slot.start)
    response = logged_in(receptionist).get(f"{SHEET}?day={day.isoformat()}")
    html = response.content.decode()
    assert "Ada &lt;b&gt;Brook&lt;/b&gt;" in html  # escaped
    assert slot.clinician.name in html
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="export")
    assert event.details == {
        "day_sheet": day.isoformat(),
        "count": 1,
        "submissions": [booked.submission_id],
    }


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/admin/scheduling/appointment/day-sheet/?clinician=%C2%B2", {}),
        ("get", "/admin/intake/submission/abc/history/", {}),
    ],
)
def test_odd_ids_in_staff_urls_are_not_server_errors(
    clinic_admin: User, method: str, url: str, data: dict[str, str]
) -> None:
    response = getattr(logged_in(clinic_admin), method)(url, data)
    assert response.status_code < 500

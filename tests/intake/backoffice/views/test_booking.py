"""The booking page, the day view and the day sheet: who may use them, and what they show.

Personas: anonymous, a patient with a draft in their session, Rita (receptionist), Tess
(triage clinician), Cleo (clinic admin), and Sid, a staff user in no group.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from pytest_django import Settings

from intake.models import AuditEvent, Notification, Submission
from intake.scheduling.models import Appointment
from intake.scheduling.services import booking
from tests.factories import TriagedSubmissionFactory, staff_user
from tests.intake.backoffice.signin import Clock
from tests.intake.backoffice.staff import client_for, logged_in, slot_in

pytestmark = pytest.mark.django_db

BOOK = "/admin/scheduling/appointment/book/{pk}/"
DAY = "/admin/scheduling/appointment/"
SHEET = "/admin/scheduling/appointment/day-sheet/"


@pytest.fixture
def users(receptionist: User, triage_nurse: User, clinic_admin: User) -> dict[str, User]:
    return {
        "receptionist": receptionist,
        "triage": triage_nurse,
        "clinic_admin": clinic_admin,
        "no_role": staff_user("sid"),
    }


ALLOWED = {"receptionist", "triage", "clinic_admin"}


@pytest.mark.parametrize(
    "persona", ["anonymous", "patient", "no_role", "receptionist", "triage", "clinic_admin"]
)
def test_who_can_see_the_booking_page_and_the_diary(persona: str, users: dict[str, User]) -> None:
    submission = TriagedSubmissionFactory()
    slot_in(30)
    client = client_for(persona, users)
    for url in (BOOK.format(pk=submission.pk), DAY, SHEET):
        response = client.get(url)
        if persona in ("anonymous", "patient"):
            assert response.status_code == 302, url
            assert response["Location"].startswith("/admin/login/"), url
        elif persona in ALLOWED:
            assert response.status_code == 200, url
        else:
            assert response.status_code == 403, url


@pytest.mark.parametrize(
    "persona", ["anonymous", "patient", "no_role", "receptionist", "triage", "clinic_admin"]
)
def test_who_can_book(persona: str, users: dict[str, User]) -> None:
    # Receptionists and triage clinicians book; nobody else, whatever they post.
    submission = TriagedSubmissionFactory()
    slot = slot_in(30)
    response = client_for(persona, users).post(BOOK.format(pk=submission.pk), {"slot": slot.pk})
    booked = Appointment.objects.filter(submission=submission).exists()
    assert booked is (persona in ALLOWED)
    if persona in ALLOWED:
        assert response.status_code == 302
        assert response["Location"] == f"/admin/intake/submission/{submission.pk}/change/"
    elif persona == "no_role":
        assert response.status_code == 403
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("persona", ["anonymous", "patient", "no_role"])
def test_who_cannot_move_cancel_or_escalate(persona: str, users: dict[str, User]) -> None:
    submission = TriagedSubmissionFactory(tier="URGENT")
    appointment = booking.appointment_book(
        submission=submission, slot=slot_in(30), actor=users["receptionist"]
    )
    client = client_for(persona, users)
    other = slot_in(50)
    base = f"/admin/scheduling/appointment/{appointment.pk}"
    client.post(f"{base}/move/", {"slot": other.pk})
    client.post(f"{base}/do/cancel/", {"reason": "x"})
    client.post(f"{base}/do/attended/")
    client.post(BOOK.format(pk=submission.pk) + "escalate/")
    appointment.refresh_from_db()
    assert (appointment.status, appointment.slot_id) == ("booked", appointment.slot_id)
    assert appointment.slot_id != other.pk
    assert not Notification.objects.filter(kind="no_slot").exists()


# --- The booking page ----------------------------------------------------------------------------


def test_slots_inside_the_window_come_first_and_are_marked(receptionist: User) -> None:
    submission = TriagedSubmissionFactory(tier="SOON")  # within 14 days
    later = slot_in(24 * 20)
    inside_late = slot_in(24 * 10)
    inside_soon = slot_in(24 * 2)
    client = logged_in(receptionist)
    html = client.get(BOOK.format(pk=submission.pk)).content.decode()
    order = [int(pk) for pk in re.findall(r'name="slot" value="(\d+)"', html)]
    assert order == [inside_soon.pk, inside_late.pk, later.pk]
    marked = re.findall(r'id="slot-(\d+)".*?</label>', html, re.S)
    assert len(marked) == 3
    for pk, in_window in ((inside_soon.pk, True), (later.pk, False)):
        label = re.search(rf'for="slot-{pk}">(.*?)</label>', html, re.S)
        assert label
        assert ("Within target" in label[1]) is in_window
    # Grouped by day, each day a fieldset with its date as the legend.
    assert html.count('<fieldset class="slot-day') == 3
    assert "(after the window)" in html
    assert "Book by " in html
    event = AuditEvent.objects.get(action="view")
    assert event.details == {"page": "booking"}


def test_slots_can_be_filtered_by_appointment_type(receptionist: User) -> None:
    from tests.factories import AppointmentTypeFactory

    scan = AppointmentTypeFactory(name="Same-day duplex scan", roles=["sonographer"])
    clinic = slot_in(30)
    scan_slot = slot_in(40, appointment_type=scan)
    submission = TriagedSubmissionFactory()
    html = logged_in(receptionist).get(BOOK.format(pk=submission.pk) + f"?type={scan.pk}")
    values = re.findall(r'name="slot" value="(\d+)"', html.content.decode())
    assert values == [str(scan_slot.pk)]
    assert str(clinic.pk) not in values


def test_no_slot_inside_the_window_warns_and_offers_escalation(receptionist: User) -> None:
    submission = TriagedSubmissionFactory(tier="URGENT")
    slot_in(24 * 9)  # free, but days too late for URGENT
    client = logged_in(receptionist)
    html = client.get(BOOK.format(pk=submission.pk)).content.decode()
    assert "No free slot inside the window" in html
    assert "Escalate to the triage clinicians" in html
    response = client.post(BOOK.format(pk=submission.pk) + "escalate/", follow=True)
    assert "have been alerted" in response.content.decode()
    assert Notification.objects.get(kind="no_slot").recipient == "triage@clinic.test"


def test_an_emergency_is_not_bookable_and_reception_records_what_was_done(
    receptionist: User,
) -> None:
    submission = TriagedSubmissionFactory(tier="EMERGENCY")
    slot = slot_in(5)
    client = logged_in(receptionist)
    html = client.get(BOOK.format(pk=submission.pk)).content.decode()
    assert "Emergency: do not book" in html
    assert "directed to emergency care now" in html
    assert 'name="slot"' not in html
    response = client.post(BOOK.format(pk=submission.pk), {"slot": slot.pk})
    assert response.status_code == 200
    assert "An emergency cannot be booked" in response.content.decode()
    assert not Appointment.objects.exists()
    client.post(BOOK.format(pk=submission.pk) + "emergency/", {"text": "Told to call 999 at 10:02"})
    assert submission.notes.get().text.endswith("Told to call 999 at 10:02")


def test_a_slot_taken_meanwhile_gives_the_taken_message_not_an_error(
    receptionist: User, triage_nurse: User
) -> None:
    slot = slot_in(30)
    first, second = TriagedSubmissionFactory(), TriagedSubmissionFactory()
    assert logged_in(triage_nurse).post(BOOK.format(pk=first.pk), {"slot": slot.pk}).status_code
    response = logged_in(receptionist).post(BOOK.format(pk=second.pk), {"slot": slot.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "That slot was just taken" in html
    assert "<title>Error:" in html
    second.refresh_from_db()
    assert second.status == Submission.Status.TRIAGED


def test_choosing_no_slot_is_an_error_linked_to_the_list(receptionist: User) -> None:
    submission = TriagedSubmissionFactory()
    slot = slot_in(30)
    html = logged_in(receptionist).post(BOOK.format(pk=submission.pk), {}).content.decode()
    assert f'<a href="#slot-{slot.pk}">Choose a slot.</a>' in html


def test_a_submission_not_yet_triaged_cannot_be_booked_from_the_page(receptionist: User) -> None:
    submission = TriagedSubmissionFactory(status=Submission.Status.SUBMITTED)
    slot_in(30)
    html = logged_in(receptionist).get(BOOK.format(pk=submission.pk)).content.decode()
    assert "Only a triaged submission can be booked" in html
    assert 'name="slot"' not in html


# --- From the submission page: book, move, cancel ------------------------------------------------


def test_the_submission_page_links_to_booking_then_shows_the_appointment(
    receptionist: User,
) -> None:
    submission = TriagedSubmissionFactory()
    client = logged_in(receptionist)
    page = client.get(f"/admin/intake/submission/{submission.pk}/change/").content.decode()
    assert f'href="/admin/scheduling/appointment/book/{submission.pk}/"' in page
    slot = slot_in(30)
    client.post(BOOK.format(pk=submission.pk), {"slot": slot.pk})
    page = client.get(f"/admin/intake/submission/{submission.pk}/change/").content.decode()
    assert "Booked: " in page
    assert "Move to another slot" in page
    assert "Booked: " in page and slot.clinician.name in page


def test_move_and_cancel_from_the_pages(receptionist: User) -> None:
    submission = TriagedSubmissionFactory()
    appointment = booking.appointment_book(
        submission=submission, slot=slot_in(30), actor=receptionist
    )
    client = logged_in(receptionist)
    base = f"/admin/scheduling/appointment/{appointment.pk}"
    new_slot = slot_in(60)
    html = client.get(f"{base}/move/").content.decode()
    assert f'name="slot" value="{appointment.slot_id}"' not in html  # not its own slot
    assert client.post(f"{base}/move/", {"slot": new_slot.pk}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.slot == new_slot
    page = client.post(f"{base}/do/cancel/", {"reason": ""}, follow=True).content.decode()
    assert "Give a reason for cancelling." in page
    client.post(f"{base}/do/cancel/", {"reason": "Patient in hospital", "next": "submission"})
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    submission.refresh_from_db()
    assert submission.status == Submission.Status.TRIAGED
    assert [
        e.action
        for e in AuditEvent.objects.filter(action__in=["book", "move", "cancel"]).order_by("id")
    ] == [
        "book",
        "move",
        "cancel",
    ]


def test_a_long_window_lists_the_soonest_slots_and_says_there_are_more(
    receptionist: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from intake.scheduling import selectors as booking_selectors

    monkeypatch.setattr(booking_selectors, "IN_WINDOW_SHOWN", 2)
    slots = [slot_in(24 + n) for n in range(3)]
    submission = TriagedSubmissionFactory(tier="ROUTINE")
    html = logged_in(receptionist).get(BOOK.format(pk=submission.pk)).content.decode()
    values = re.findall(r'name="slot" value="(\d+)"', html)
    assert values == [str(slots[0].pk), str(slots[1].pk)]
    assert "More than 2 free slots inside the window" in html


def test_the_window_counts_from_when_the_form_was_sent_not_from_today(receptionist: User) -> None:
    # URGENT, sent six days ago and never booked: its target (the next working day's close
    # after sending) has passed, so tomorrow's slot is not "within target" however soon it is.
    submission = TriagedSubmissionFactory(
        tier="URGENT", submitted_at=timezone.now() - dt.timedelta(days=6)
    )
    tomorrow = slot_in(24)
    html = logged_in(receptionist).get(BOOK.format(pk=submission.pk)).content.decode()
    assert "The booking target has already passed" in html
    assert "Escalate to the triage clinicians" in html
    label = re.search(rf'for="slot-{tomorrow.pk}">(.*?)</label>', html, re.S)
    assert label and "Within target" not in label[1]
    # A SOON form sent 10 days ago has 4 days left, not 14.
    soon = TriagedSubmissionFactory(
        tier="SOON", submitted_at=timezone.now() - dt.timedelta(days=10)
    )
    in_six_days = slot_in(24 * 6)
    html = logged_in(receptionist).get(BOOK.format(pk=soon.pk)).content.decode()
    label = re.search(rf'for="slot-{in_six_days.pk}">(.*?)</label>', html, re.S)
    assert label and "Within target" not in label[1]


def test_escalating_with_no_triage_address_says_so_instead_of_claiming_success(
    receptionist: User, settings: Settings
) -> None:
    settings.CLINIC_TRIAGE_EMAILS = []
    submission = TriagedSubmissionFactory(tier="URGENT")
    response = logged_in(receptionist).post(
        BOOK.format(pk=submission.pk) + "escalate/", follow=True
    )
    html = response.content.decode()
    assert "No triage clinician address is set up" in html
    assert "have been alerted" not in html
    assert not Notification.objects.filter(kind="no_slot").exists()


def test_a_non_ascii_digit_as_the_chosen_slot_is_refused_clearly(receptionist: User) -> None:
    submission = TriagedSubmissionFactory(tier="SOON")
    response = logged_in(receptionist).post(BOOK.format(pk=submission.pk), {"slot": "²"})
    assert response.status_code == 200
    assert "Choose a slot." in response.content.decode()


# --- Booking guidance from triage (issue 20) ------------------------------------------------------


def test_the_recommended_types_slots_are_shown_first_and_all_types_on_request(
    receptionist: User, triage_nurse: User
) -> None:
    from intake.scheduling.services import requests
    from tests.factories import AppointmentTypeFactory, SubmissionFactory

    scan = AppointmentTypeFactory(name="Same-day duplex scan", code="duplex_same_day")
    clinic = slot_in(30)
    scan_slot = slot_in(40, appointment_type=scan)
    submission = SubmissionFactory(tier="SOON")
    requests.submission_triage(
        submission=submission,
        appointment_type=scan,
        note="Book with the vascular registrar",
        actor=triage_nurse,
    )
    client = logged_in(receptionist)
    html = client.get(BOOK.format(pk=submission.pk)).content.decode()
    assert re.findall(r'name="slot" value="(\d+)"', html) == [str(scan_slot.pk)]
    assert re.search(rf'<option value="{scan.pk}" selected>Same-day duplex scan', html)
    assert "recommended by triage" in html
    assert "<strong>Same-day duplex scan</strong>" in html  # "From triage"
    assert '<q class="booking-note">Book with the vascular registrar</q>' in html
    assert "Choose “All types” to see every slot." in html
    # "All types" chosen: every slot (the choice is the receptionist's).
    html = client.get(BOOK.format(pk=submission.pk) + "?type=").content.decode()
    values = re.findall(r'name="slot" value="(\d+)"', html)
    assert values == [str(clinic.pk), str(scan_slot.pk)]


def test_a_case_without_guidance_shows_every_type(receptionist: User) -> None:
    submission = TriagedSubmissionFactory()
    slot = slot_in(30)
    html = logged_in(receptionist).get(BOOK.format(pk=submission.pk)).content.decode()
    assert re.findall(r'name="slot" value="(\d+)"', html) == [str(slot.pk)]
    assert "None: choose the type that fits" in html


def test_an_extended_window_is_explained_on_the_booking_page(
    receptionist: User, triage_nurse: User, clinic_clock: Clock
) -> None:
    from intake.scheduling.services import requests
    from tests.factories import SubmissionFactory
    from tests.intake.clinic_clock import WEDNESDAY, at

    clinic_clock.moment = at(WEDNESDAY, "17:27")
    submission = SubmissionFactory(tier="URGENT", submitted_at=at(WEDNESDAY, "14:00"))
    requests.submission_triage(submission=submission, actor=triage_nurse)
    tomorrow = slot_in(16)  # Thursday 09:27
    html = logged_in(receptionist).get(BOOK.format(pk=submission.pk)).content.decode()
    assert "Book by Thursday 18 March 2027, 17:30" in html
    assert "The window was extended." in html
    assert "closed at Wednesday 17 March 2027, 17:30" in html
    label = re.search(rf'for="slot-{tomorrow.pk}">(.*?)</label>', html, re.S)
    assert label and "Within target" in label[1]


def test_the_window_rule_says_urgent_is_the_same_working_day(receptionist: User) -> None:
    submission = TriagedSubmissionFactory(tier="URGENT")
    slot_in(1)
    html = logged_in(receptionist).get(BOOK.format(pk=submission.pk)).content.decode()
    assert "Urgent: the same working day the form was sent" in html


def test_no_slot_of_the_recommended_type_points_to_the_other_types_in_time(
    receptionist: User, triage_nurse: User
) -> None:
    from intake.scheduling.services import requests
    from tests.factories import AppointmentTypeFactory, SubmissionFactory

    scan = AppointmentTypeFactory(name="Same-day duplex scan", code="duplex_same_day")
    submission = SubmissionFactory(tier="SOON")
    requests.submission_triage(submission=submission, appointment_type=scan, actor=triage_nurse)
    slot_in(30)  # another type, in time
    slot_in(24 * 20, appointment_type=scan)  # the recommended type, too late
    html = logged_in(receptionist).get(BOOK.format(pk=submission.pk)).content.decode()
    assert "No free Same-day duplex scan slot inside the window" in html
    assert "There is 1 free slot of another type inside the window" in html

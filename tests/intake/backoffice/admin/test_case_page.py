"""The case page built for the phone call (issue 20): who to ring first, for every role; what
needs doing before the clinical detail; words, not codes; banners that stay until dealt with.

Personas: Tess (triage clinician) and Rita (receptionist).
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User

from intake.models import AuditEvent, Submission
from intake.scheduling.models import Appointment, BookingRequest
from intake.scheduling.services import booking, requests
from intake.services import workflow
from tests.factories import (
    AppointmentTypeFactory,
    SlotFactory,
    SubmissionFactory,
    TriagedSubmissionFactory,
)
from tests.intake.backoffice.signin import Clock
from tests.intake.backoffice.staff import logged_in
from tests.intake.clinic_clock import WEDNESDAY, at

pytestmark = pytest.mark.django_db

CASE = "/admin/intake/submission/{pk}/change/"


def page(user: User, submission: Submission) -> str:
    response = logged_in(user).get(CASE.format(pk=submission.pk))
    assert response.status_code == 200
    return str(response.content.decode())


def readable(html: str) -> str:
    """What a person reads: the text, without the markup, scripts and their data (the body
    map's checkboxes name their regions' codes in attributes, for the script)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def position(html: str, marker: str) -> int:
    found = html.find(marker)
    assert found >= 0, marker
    return found


@pytest.fixture
def case() -> Submission:
    """Ada, who gave a different number for today, prefers a phone call and agreed to be
    contacted; a DVT suspected."""
    return SubmissionFactory(
        tier="URGENT",
        fired_rules=["URG_DVT"],
        patient__full_name="Ada Brook",
        patient__phone="07700 900111",
        patient__preferred_contact="phone",
        answers={
            "main_problem_text": "Aching calves",
            "contact_phone": "07700 900222",
            "consent_contact": "yes",
            "pain_regions": ["lower_back", "calf"],
        },
    )


# --- The number to ring today, first, for every role ---------------------------------------------


@pytest.mark.parametrize("persona", ["receptionist", "triage_nurse"])
def test_the_number_to_ring_today_and_how_to_contact_come_first(
    persona: str, case: Submission, request: pytest.FixtureRequest
) -> None:
    html = page(request.getfixturevalue(persona), case)
    ring = position(html, '<dd class="ring-today"><a href="tel:07700900222">07700 900222</a>')
    assert "their answer to “Best phone number to reach you today”" in html
    assert re.search(r'Other number</dt>\s*<dd><a href="tel:07700900111">07700 900111</a>', html)
    assert re.search(r"Prefers</dt>\s*<dd>Phone call</dd>", html)
    assert re.search(r"Agreed to be contacted</dt>\s*<dd>Yes ", html)
    # Before everything else on the page: the details, the booking, the clinical detail.
    assert ring < position(html, 'id="case-booking"')
    assert ring < position(html, "field-reference")
    if persona == "triage_nurse":
        assert ring < position(html, 'id="clinical-summary-title"')


def test_without_a_number_for_today_the_usual_one_is_the_one_to_ring(
    receptionist: User,
) -> None:
    submission = SubmissionFactory(patient__phone="07700 900333", answers={})
    html = page(receptionist, submission)
    assert '<dd class="ring-today"><a href="tel:07700900333">07700 900333</a>' in html
    assert "no other number given for today" in html
    assert "Other number" not in html


def test_an_urgent_case_says_when_the_patient_expects_the_call(
    triage_nurse: User, clinic_clock: Clock
) -> None:
    # Sent at 15:00 on a Wednesday: told "If we have not called by 17:30".
    submission = SubmissionFactory(tier="URGENT", submitted_at=at(WEDNESDAY, "15:00"))
    html = page(triage_nurse, submission)
    assert re.search(r"Call by</dt>\s*<dd>Wednesday 17 March, 17:30", html)


def test_reception_reads_why_there_is_no_clinical_detail_in_readable_text(
    receptionist: User, case: Submission
) -> None:
    html = page(receptionist, case)
    assert '<p class="no-clinical-detail">You can see the patient' in html
    assert "Aching calves" not in html and "Clinical summary" not in html
    assert 'class="help no-clinical-detail"' not in html  # no longer small grey help text


# --- What needs doing, before the clinical detail -------------------------------------------------


def test_actions_and_notes_come_before_the_clinical_summary(
    triage_nurse: User, case: Submission
) -> None:
    html = page(triage_nurse, case)
    summary = position(html, 'id="clinical-summary-title"')
    assert position(html, 'id="case-actions"') < summary
    assert position(html, 'id="case-notes"') < summary
    assert position(html, "/workflow/note/") < summary  # the note form with the notes


def test_mark_triaged_is_offered_straight_from_submitted_with_the_suggested_type(
    triage_nurse: User, case: Submission
) -> None:
    scan = AppointmentTypeFactory(name="Same-day duplex scan", code="duplex_same_day")
    html = page(triage_nurse, case)
    assert f'action="/admin/intake/submission/{case.pk}/workflow/triaged/"' in html
    assert "No need to mark it in review first" in html
    assert re.search(rf'<option value="{scan.pk}" selected>Same-day duplex scan</option>', html)
    assert "Suggested from the rules that fired: Same-day duplex scan." in html
    assert "Reception reads this: no clinical detail." in html
    assert 'maxlength="200"' in html


def test_every_form_on_the_page_has_its_own_ids(triage_nurse: User, receptionist: User) -> None:
    submission = TriagedSubmissionFactory(tier="SOON")
    booking.appointment_book(submission=submission, slot=SlotFactory(), actor=receptionist)
    # A booked case: the cancel, tier, refer and guidance forms are all on the page.
    html = page(triage_nurse, submission)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


# --- Words, not codes -----------------------------------------------------------------------------


def test_scores_regions_tiers_and_history_read_as_words(
    triage_nurse: User, receptionist: User
) -> None:
    submission = SubmissionFactory(
        tier="EMERGENCY",
        fired_rules=["EMG_PE", "RTN_SCIATICA"],
        reasons=[
            {"code": "EMG_PE", "tier": "EMERGENCY", "staff_reason": "Possible PE.", "source": "x"},
            {"code": "RTN_SCIATICA", "tier": "ROUTINE", "staff_reason": "Sciatica.", "source": "y"},
        ],
        scores={
            "p_wells": 1,
            "ecq_class": "not_applicable",
            "ceap_c_est": "C2",
            "rls_probable": True,
            "rls_frequency": "once_a_week",
            "pe_wells": {
                "items": {"heart_rate_over_100": 1.5, "alternative_diagnosis_less_likely": None},
                "partial_total": 1.5,
            },
        },
        answers={"pain_regions": ["lower_back", "calf"]},
    )
    workflow.submission_start_review(submission=submission, actor=triage_nurse)
    html = page(triage_nurse, submission)
    text = readable(html)
    for code in (
        "not_applicable",
        "lower_back",
        "heart_rate_over_100",
        "alternative_diagnosis_less_likely",
        "once_a_week",
        "in_review",
        "AGE YEARS",
        "Age years",
    ):
        assert code not in text, code
    assert "not applicable (no pain on walking)" in html
    assert "C2: varicose veins" in html
    assert "probable (About once a week)" in html
    assert "Heart rate over 100 a minute" in html
    assert "Another diagnosis is less likely than a PE" in html
    assert "Marked: Lower back, Calf" in html
    assert '<span class="tier-badge tier-routine">Routine</span></td>' in html  # a rule's tier
    assert "Status changed: Submitted → In review" in html  # the history
    assert "Assigned: to tess" in html
    assert re.search(r"<th[^>]*>Age</th>|<label>Age:</label>", html)


def test_what_the_patient_was_told_is_ordinary_text_not_a_faint_quote(
    triage_nurse: User, case: Submission
) -> None:
    html = page(triage_nurse, case)
    assert '<div class="patient-message"><p>' in html
    assert "<blockquote" not in html


# --- Banners: a patient's cancellation, a request for a slot, a missed deadline -------------------


def cancelled_by_patient(receptionist: User, reason: str = "Feeling better") -> Appointment:
    submission = TriagedSubmissionFactory(tier="SOON")
    appointment: Appointment = booking.appointment_book(
        submission=submission, slot=SlotFactory(), actor=receptionist
    )
    booking.appointment_cancel_by_patient(appointment=appointment, reason=reason)
    return appointment


def test_a_patients_cancellation_shows_when_and_why_until_reception_acknowledges_it(
    receptionist: User, triage_nurse: User
) -> None:
    appointment = cancelled_by_patient(receptionist)
    submission = appointment.submission
    for user in (receptionist, triage_nurse):
        html = page(user, submission)
        assert "The patient cancelled their appointment" in html
        assert "<q>Feeling better</q>" in html
        assert "with the link in their email" in html
    client = logged_in(receptionist)
    url = f"/admin/scheduling/appointment/{appointment.pk}/do/acknowledge-cancellation/"
    response = client.post(url)
    assert response["Location"] == CASE.format(pk=submission.pk) + "#case-alerts"
    html = client.get(response["Location"]).content.decode()
    assert "Cancellation acknowledged" in html  # the message
    assert "The patient cancelled their appointment" not in html  # the banner is gone
    assert AuditEvent.objects.filter(
        action="change", details__cancellation_acknowledged=True
    ).exists()


def test_a_staff_cancellation_has_no_banner(receptionist: User) -> None:
    submission = TriagedSubmissionFactory()
    appointment = booking.appointment_book(
        submission=submission, slot=SlotFactory(), actor=receptionist
    )
    booking.appointment_cancel(appointment=appointment, reason="Clinic closed", actor=receptionist)
    assert "The patient cancelled" not in page(receptionist, submission)


def test_a_request_for_a_slot_and_a_missed_deadline_are_on_the_case(
    receptionist: User, triage_nurse: User, clinic_clock: Clock
) -> None:
    submission = SubmissionFactory(tier="URGENT", submitted_at=at(WEDNESDAY, "09:00"))
    requests.submission_triage(submission=submission, actor=triage_nurse, note="Mornings only")
    booking.submission_escalate_no_slot(submission=submission, actor=receptionist)
    clinic_clock.moment = at(WEDNESDAY, "18:00")
    html = page(triage_nurse, submission)
    assert "Needs a slot" in html and "saving it answers them" in html
    assert "Save and answer reception" in html
    assert "Not booked by its deadline" in html
    assert "(past its deadline)" in html
    reception = page(receptionist, submission)
    assert '<q class="booking-note">Mornings only</q>' in reception
    assert "The case stays in the triage queue" in reception
    assert BookingRequest.objects.get().needs_slot_since is not None

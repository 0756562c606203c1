"""What the outbox's messages say (intake/emails.py): staff alerts name the case, never the
patient. The patient's messages in their language: tests/intake/test_patient_language.py."""

from __future__ import annotations

import pytest

from intake import emails
from intake.models import Notification
from intake.services import drafts
from tests.factories import SubmissionFactory
from tests.intake.services.helpers import NOW

pytestmark = pytest.mark.django_db


def test_an_sms_alert_carries_no_patient_data() -> None:
    submission = SubmissionFactory(tier="URGENT", reference="LEG-AAAA-BBBB")
    row = Notification(
        submission=submission,
        kind="staff_alert",
        channel="sms",
        recipient="+44",
        template="staff_alert",
    )
    text = emails.render(row).text
    assert "LEG-AAAA-BBBB" in text and "URGENT" in text
    assert f"/admin/intake/submission/{submission.pk}/change/" in text
    patient = submission.patient
    assert patient is not None
    assert patient.full_name not in text and patient.phone not in text


def test_a_mid_form_alert_names_the_rule_that_interrupted_the_patient() -> None:
    draft = drafts.submission_create_draft(now=NOW)
    drafts.submission_save_step(submission=draft, step_answers={"rf_bladder_bowel": "yes"}, now=NOW)
    alert = Notification.objects.get(submission=draft, kind="staff_alert", channel="email")
    rendered = emails.render(alert)
    assert "Top reason: Suspected CES" in rendered.text
    assert (
        "Suspected CES"
        in emails.render(
            Notification.objects.get(submission=draft, kind="staff_alert", channel="sms")
        ).text
    )

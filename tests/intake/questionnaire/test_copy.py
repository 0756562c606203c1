"""The patient's own copy of their answers (intake/questionnaire/copy.py): on the confirmation
page, in the browser that sent the form only; labels, never codes; nothing written for staff."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from intake.models import AuditEvent, Submission
from tests.intake.conftest import start
from tests.intake.handover.pdfs import squeezed, text

pytestmark = pytest.mark.django_db


def _copy_url(submission: Submission) -> str:
    return f"/intake/{submission.token}/your-answers.pdf"


def test_the_confirmation_page_offers_the_copy_and_it_downloads(
    patient: Client, journey: Callable[..., Submission]
) -> None:
    submission = journey("V19", send=True)
    done = patient.get(f"/intake/{submission.token}/done/").content.decode()
    assert _copy_url(submission) in done
    assert "Download a copy of your answers" in done
    response = patient.get(_copy_url(submission))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{submission.reference}-answers.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    found = text(response.content)
    assert submission.reference is not None
    assert submission.reference in found
    assert "Alex Example" in found
    assert "Right" in found  # the leg, as the form labels it
    for reason in submission.reasons:
        assert reason["code"] not in found
        assert squeezed(reason["staff_reason"])[:40] not in squeezed(found)
    event = AuditEvent.objects.get(action="export")
    assert (event.actor_kind, event.submission_id) == ("patient", submission.pk)
    assert event.details == {"format": "patient_copy_pdf"}


def test_another_browser_gets_nothing(
    patient: Client, other_patient: Client, journey: Callable[..., Submission]
) -> None:
    submission = journey("V19", send=True)
    assert other_patient.get(_copy_url(submission)).status_code == 404
    assert Client().get(_copy_url(submission)).status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def test_an_unsent_form_has_no_copy_yet(patient: Client) -> None:
    draft = start(patient)
    response = patient.get(_copy_url(draft))
    assert response.status_code == 302
    assert response["Location"] == f"/intake/{draft.token}/check/"


def test_the_copy_is_get_only(patient: Client, journey: Callable[..., Submission]) -> None:
    submission = journey("V19", send=True)
    assert patient.post(_copy_url(submission)).status_code == 405

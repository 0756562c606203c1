"""The case page's downloads (intake/backoffice/views/handover.py): the clinician summary PDF
and the FHIR bundle, for staff who may see clinical detail, audited as exports. Rita the
receptionist can download neither, and is not offered them."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from fhir.resources.R4B.bundle import Bundle

from intake.models import AuditEvent, Submission
from tests.factories import SubmissionFactory
from tests.intake.backoffice.staff import logged_in
from tests.intake.handover.pdfs import pages, text

pytestmark = pytest.mark.django_db

FREE_TEXT = "My calves ache after the bus stop"


@pytest.fixture
def submission() -> Submission:
    return SubmissionFactory(
        tier="URGENT",
        answers={"main_problem_text": FREE_TEXT},
        patient__full_name="Ada Brook",
    )


def _case(submission: Submission) -> str:
    return f"/admin/intake/submission/{submission.pk}/"


def test_a_triage_clinician_downloads_the_summary_and_it_is_audited(
    triage_nurse: User, submission: Submission
) -> None:
    response = logged_in(triage_nurse).get(_case(submission) + "workflow/summary.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{submission.reference}-summary.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    found = text(response.content)
    assert submission.reference is not None
    assert submission.reference in found
    assert "Ada Brook" in found and FREE_TEXT in found
    assert "URG_TEST" in found and "Test reason for urgent" in found
    assert pages(response.content) == 1
    event = AuditEvent.objects.get(action="export")
    assert (event.actor, event.submission_id) == (triage_nurse, submission.pk)
    assert event.details == {"format": "clinician_summary_pdf"}


def test_a_clinic_admin_downloads_the_fhir_bundle_and_it_is_audited(
    clinic_admin: User, submission: Submission
) -> None:
    response = logged_in(clinic_admin).get(_case(submission) + "workflow/fhir.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    bundle = Bundle.model_validate(json.loads(response.content))
    assert bundle.type == "collection"
    event = AuditEvent.objects.get(action="export")
    assert (event.actor, event.submission_id) == (clinic_admin, submission.pk)
    assert event.details == {"format": "fhir_bundle"}


@pytest.mark.parametrize("download", ["summary.pdf", "fhir.json"])
def test_a_receptionist_cannot_download_either(
    receptionist: User, submission: Submission, download: str
) -> None:
    response = logged_in(receptionist).get(_case(submission) + f"workflow/{download}")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()
    assert AuditEvent.objects.filter(action="access_denied", actor=receptionist).exists()


def test_only_staff_who_may_download_are_offered_the_links(
    receptionist: User, triage_nurse: User, submission: Submission
) -> None:
    clinician_page = logged_in(triage_nurse).get(_case(submission) + "change/").content.decode()
    assert "workflow/summary.pdf" in clinician_page
    assert "workflow/fhir.json" in clinician_page
    reception_page = logged_in(receptionist).get(_case(submission) + "change/").content.decode()
    assert "summary.pdf" not in reception_page and "fhir.json" not in reception_page


@pytest.mark.parametrize("download", ["summary.pdf", "fhir.json"])
def test_a_draft_has_nothing_to_download(triage_nurse: User, download: str) -> None:
    draft = SubmissionFactory(status=Submission.Status.DRAFT, reference=None, submitted_at=None)
    response = logged_in(triage_nurse).get(_case(draft) + f"workflow/{download}")
    assert response.status_code == 404
    page = logged_in(triage_nurse).get(_case(draft) + "change/").content.decode()
    assert "summary.pdf" not in page


def test_the_case_page_has_a_print_stylesheet(triage_nurse: User, submission: Submission) -> None:
    page = logged_in(triage_nurse).get(_case(submission) + "change/").content.decode()
    assert 'href="/static/intake/css/case_print.css" media="print"' in page

"""The rows the handover reads: one case with what its documents need, and the FHIR API's pages.

Every query joins what its builder reads (intake/handover/fhir/resources.py), so a page of the
API is one query whatever its length (tests/intake/handover/test_api.py counts them).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from intake.handover.models import ApiClient
from intake.models import Patient, Submission
from intake.scheduling.models import (
    ACTIVE_APPOINTMENT_STATUSES,
    Appointment,
    Clinician,
    Slot,
)


def submission_list_sent() -> QuerySet[Submission]:
    """Sent forms (not drafts) with their patient: the QuestionnaireResponses and
    RiskAssessments, and the cases staff download documents of."""
    return (
        Submission.objects.exclude(status=Submission.Status.DRAFT)
        .exclude(reference__isnull=True)
        .select_related("patient", "overridden_by", "interruption_handled_by")
    )


def submission_get_sent(
    *, submission_id: int | None = None, reference: str | None = None
) -> Submission | None:
    """One sent form by id or reference, with what its summary shows (None if there is none)."""
    found = submission_list_sent()
    if submission_id is not None:
        found = found.filter(pk=submission_id)
    if reference is not None:
        found = found.filter(reference=reference)
    return found.first()


def patient_list() -> QuerySet[Patient]:
    return Patient.objects.all()


def _slot_busy() -> Exists:
    """Whether an appointment that is not cancelled holds the slot (the outer row's)."""
    return Exists(
        Appointment.objects.filter(slot=OuterRef("pk"), status__in=ACTIVE_APPOINTMENT_STATUSES)
    )


def appointment_list() -> QuerySet[Appointment]:
    """Appointments with their patient, clinician, slot and type, and whether the slot is busy
    now (`slot_busy`: another booking may hold a slot this one gave up)."""
    return Appointment.objects.select_related(
        "submission__patient", "clinician", "slot__appointment_type"
    ).annotate(
        slot_busy=Exists(
            Appointment.objects.filter(
                slot=OuterRef("slot_id"), status__in=ACTIVE_APPOINTMENT_STATUSES
            )
        )
    )


def appointment_list_for_case(submission: Submission) -> list[Appointment]:
    """Every appointment of one form, cancelled ones too, in time order."""
    return list(appointment_list().filter(submission=submission).order_by("starts_at", "pk"))


def slot_list() -> QuerySet[Slot]:
    return Slot.objects.select_related("appointment_type").annotate(busy=_slot_busy())


def clinician_list() -> QuerySet[Clinician]:
    return Clinician.objects.all()


def apiclient_get_by_token_hash(token_hash: str) -> ApiClient | None:
    """The API client whose token has this SHA-256 (revoked and expired ones too: the caller
    says which it is)."""
    return ApiClient.objects.filter(token_hash=token_hash).first()

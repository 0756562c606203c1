"""Reads for a patient's data rights (issue 18): who a request is about, what is held about
them, and what an erasure would keep or delete. The writes are intake/services/data_rights.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from intake.models import Patient, Submission
from intake.selectors.retention import submission_list_past_retention


def patient_list_by_email(email: str, *, date_of_birth: dt.date | None = None) -> list[Patient]:
    """The patients with this email address (any case), and this date of birth if given, in id
    order. More than one without a date of birth: different people may share an address (a
    family's), told apart by their dates of birth."""
    patients = Patient.objects.filter(email__iexact=email.strip())
    if date_of_birth is not None:
        patients = patients.filter(date_of_birth=date_of_birth)
    return list(patients.order_by("pk"))


def submission_list_for_patient(patient: Patient) -> list[Submission]:
    """Every form of this patient, oldest first: the sent ones (linked to the patient) and the
    unfinished ones, which have no patient yet and are theirs when the details typed on the
    first page match the record: the same email (any case) and date of birth, or the same NHS
    number."""
    # The first page's details are encrypted with the rest of the draft (intake/encryption.py),
    # so they are compared here, not in SQL: unfinished forms are few (plain drafts are purged
    # days after their last save) and this runs only for an access or erasure request.
    email = patient.email.casefold()
    dob = patient.date_of_birth.isoformat()
    theirs = []
    for draft in Submission.objects.filter(patient__isnull=True).iterator(chunk_size=500):
        typed = draft.identity
        same_email = str(typed.get("email", "")).casefold() == email
        same_nhs = bool(patient.nhs_number) and typed.get("nhs_number") == patient.nhs_number
        if (same_email and typed.get("date_of_birth") == dob) or same_nhs:
            theirs.append(draft)
    sent = list(Submission.objects.filter(patient=patient))
    return sorted([*sent, *theirs], key=lambda s: (s.created_at, s.pk))


def appointment_model() -> Any:
    """The scheduling app's Appointment, looked up by name: the core sits below the scheduling
    app and never imports it (as its foreign keys name it by string)."""
    return apps.get_model("scheduling", "Appointment")


def appointment_list_for_submissions(submission_ids: list[int]) -> QuerySet[Any]:
    """The appointments of these submissions, with their slot, type and clinician joined,
    in time order."""
    appointments: QuerySet[Any] = (
        appointment_model()
        .objects.filter(submission_id__in=submission_ids)
        .select_related("slot__appointment_type", "clinician")
        .order_by("starts_at", "pk")
    )
    return appointments


def bookingrequest_model() -> Any:
    """The scheduling app's BookingRequest (triage's guidance for reception, issue 20), looked
    up by name as `appointment_model` is."""
    return apps.get_model("scheduling", "BookingRequest")


def bookingrequest_list_for_submissions(submission_ids: list[int]) -> QuerySet[Any]:
    """The booking requests of these submissions (one at most each), with the recommended type
    and who set it joined."""
    requests: QuerySet[Any] = (
        bookingrequest_model()
        .objects.filter(submission_id__in=submission_ids)
        .select_related("appointment_type", "set_by")
    )
    return requests


@dataclass(frozen=True)
class ErasurePlan:
    """What erasing a patient's data would do, decided per form (intake/services/data_rights.py).

    `retained`: forms inside CLINIC_RETENTION_DAYS (counted from the clinic's last contact with
    the patient, as the retention job counts: intake/selectors/retention.py): part of the
    medical record, so anonymised (coded clinical data kept, identity and free text erased),
    and erasing them needs a second clinic admin's confirmation. `deleted`: everything else
    (forms past the period, and unfinished forms that never showed the emergency advice, which
    are the patient's working copy, not a record): deleted outright. `upcoming`: appointments
    still booked and to come, which must be cancelled first (the patient is told, the slot is
    freed) through the booking page."""

    patient_id: int
    retained: tuple[int, ...]
    deleted: tuple[int, ...]
    upcoming: tuple[int, ...]
    cutoff: dt.datetime

    @property
    def needs_confirmation(self) -> bool:
        """A second clinic admin must confirm: some of it is inside the retention period."""
        return bool(self.retained)

    @property
    def submission_ids(self) -> tuple[int, ...]:
        return tuple(sorted((*self.retained, *self.deleted)))


def patient_get_erasure_plan(patient: Patient, *, now: dt.datetime | None = None) -> ErasurePlan:
    """What an erasure of `patient`'s data would keep (anonymised) and delete; see ErasurePlan."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.CLINIC_RETENTION_DAYS)
    submissions = submission_list_for_patient(patient)
    ids = [s.pk for s in submissions]
    appointments = appointment_model().objects.filter(submission_id__in=ids)
    upcoming = appointments.filter(status="booked", starts_at__gt=now).order_by("pk")
    # Inside the period or not: the retention job's own rule (the patient's last contact on
    # any of their cases), so that erasure and the nightly job never disagree about a form.
    past = set(
        submission_list_past_retention(cutoff=cutoff)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    retained: list[int] = []
    deleted: list[int] = []
    for submission in submissions:
        if (
            submission.is_draft and submission.interruption_shown_at is None
        ) or submission.pk in past:
            deleted.append(submission.pk)
        else:
            retained.append(submission.pk)
    return ErasurePlan(
        patient_id=patient.pk,
        retained=tuple(retained),
        deleted=tuple(deleted),
        upcoming=tuple(upcoming.values_list("pk", flat=True)),
        cutoff=cutoff,
    )

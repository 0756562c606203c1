"""Sending the form: one transaction freezes the answers, stores the triage, matches or
creates the patient and writes the alert and receipt to the outbox."""

from __future__ import annotations

import copy
import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intake import clinical, encryption, plainsql, triage
from intake.identity import IDENTITY_REQUIRED, age_on
from intake.models import (
    AuditEvent,
    Notification,
    Patient,
    Submission,
)
from intake.services import audit, escalation, outbox

# Crockford-style alphabet without look-alikes (0/O, 1/I/L) or U, for references read aloud.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """A human-friendly reference such as LEG-4K7Q-9M2D (8 characters of 30: 39 random bits),
    drawn with one call to the system's random source rather than one per character."""
    number = secrets.randbelow(len(REFERENCE_ALPHABET) ** 8)
    chars = []
    for _position in range(8):
        number, digit = divmod(number, len(REFERENCE_ALPHABET))
        chars.append(REFERENCE_ALPHABET[digit])
    return f"LEG-{''.join(chars[:4])}-{''.join(chars[4:])}"


REFERENCE_ATTEMPTS = 5


def submission_submit(
    *,
    submission: Submission,
    consent_answers: Mapping[str, object],
    now: dt.datetime | None = None,
) -> Submission:
    """Send the form: one transaction freezes the answers and stores the triage with them.

    Creates or updates the Patient, sets the reference, age, ruleset version, tier, fired rules,
    reasons, scores and patient message, writes the staff alert (EMERGENCY/URGENT) and the
    patient receipt as Notification rows, and records the sending in the audit log (actor: the
    patient; the field names and the tier, never the answers). Idempotent: a double click or a
    replayed POST returns the submission already sent. Raises ValidationError if the form is
    incomplete, and EmergencyNotShown (writing nothing) if the answers fire an EMERGENCY rule
    the patient has not been interrupted for: the advice comes before anything is sent.

    A freshly drawn reference collides with an existing one about once in 10^11 forms; then the
    whole transaction is rolled back and tried again with a new draw (cheaper, on every other
    send, than a savepoint around the reference).
    """
    for _attempt in range(REFERENCE_ATTEMPTS - 1):
        try:
            return _submit(submission=submission, consent_answers=consent_answers, now=now)
        except IntegrityError:
            if not Submission.objects.filter(pk=submission.pk, reference__isnull=True).exists():
                raise
    return _submit(submission=submission, consent_answers=consent_answers, now=now)


class _AlreadySent(Exception):
    """Another request sent this draft between our read and our write."""


class EmergencyNotShown(Exception):
    """Sending refused: the answers fire an EMERGENCY rule the patient has not been shown (e.g.
    a ruleset released while the draft waited). The caller shows the advice first (issue 15)."""


def _submit(
    *,
    submission: Submission,
    consent_answers: Mapping[str, object],
    now: dt.datetime | None,
) -> Submission:
    try:
        return _submit_once(submission=submission, consent_answers=consent_answers, now=now)
    except _AlreadySent:
        return Submission.objects.get(pk=submission.pk)


@transaction.atomic
def _submit_once(
    *,
    submission: Submission,
    consent_answers: Mapping[str, object],
    now: dt.datetime | None,
) -> Submission:
    """One attempt. Optimistic, like a step save: the draft row is written only if it is still
    the draft (same `version`) that was read, so a double click or a second tab that got there
    first makes this attempt roll back and return what that one sent (no lock, no re-read)."""
    now = now or timezone.now()
    if not submission.is_draft:
        return submission
    answers = {**submission.answers, **consent_answers}
    identity = submission.identity
    if any(not identity.get(name) for name in IDENTITY_REQUIRED):
        raise ValidationError(_("Some questions still need an answer."))
    dob = dt.date.fromisoformat(str(identity["date_of_birth"]))
    answers["age_years"] = age_on(dob, timezone.localdate(now))
    # One validation of the whole form: every required visible question, every value.
    shown = set(triage.visible_codes(answers))
    if triage.validate(answers, complete=True, shown=shown):
        raise ValidationError(_("Some questions still need an answer."))
    result = clinical.evaluate(answers, now=now)
    shown_rules = set(submission.interrupted_rules)
    if any(r.tier is triage.Tier.EMERGENCY and r.code not in shown_rules for r in result.rules):
        raise EmergencyNotShown

    patient_id = _patient_upsert(identity=identity, dob=dob)
    sent = copy.copy(submission)  # the caller's draft stays as it was if this attempt fails
    sent.patient_id = patient_id
    # Freeze what the patient actually saw: answers to hidden questions are not kept.
    sent.answers = {code: value for code, value in answers.items() if code in shown}
    sent.age_years = answers["age_years"]
    sent.status = Submission.Status.SUBMITTED
    sent.submitted_at = now
    # The same case as a mid-form emergency nobody has followed up yet: it keeps waiting from
    # the interruption. Otherwise it joins the queue now.
    sent.awaiting_since = submission.awaiting_since if submission.is_open_emergency else now
    sent.held_input = {}
    sent.typed_input = {}
    sent.expires_at = None
    sent.updated_at = now
    clinical.store_result(sent, result)
    sent.reference = new_reference()
    sent.version = submission.version + 1
    written = plainsql.update(
        Submission,
        {**{name: getattr(sent, name) for name in SUBMIT_FIELDS}, "patient_id": patient_id},
        pk=submission.pk,
        status=Submission.Status.DRAFT,
        version=submission.version,
    )
    if not written:
        raise _AlreadySent

    outbox.notifications_add(
        submission=sent,
        rows=[
            *escalation.staff_alert_rows(sent, tier=sent.tier),
            (
                Notification.Kind.PATIENT_RECEIPT,
                Notification.Channel.EMAIL,
                str(identity["email"]),
                "patient_receipt",
            ),
        ],
    )
    # One INSERT, in this transaction: the sending is in the case's history from the start.
    audit.audit_record(
        actor=audit.PATIENT,
        action=AuditEvent.Action.SUBMIT,
        submission=sent,
        changed_fields=[*SUBMIT_FIELDS, "patient"],
        details={"from": Submission.Status.DRAFT, "to": sent.status, "tier": sent.tier},
    )
    return sent


# What sending a form writes on the submission row (besides the patient).
SUBMIT_FIELDS = (
    "answers",
    "age_years",
    "status",
    "submitted_at",
    "awaiting_since",
    "expires_at",
    "updated_at",
    *clinical.TRIAGE_FIELDS,
    "reference",
    "held_input",
    "typed_input",
    "version",
)


def _patient_upsert(*, identity: Mapping[str, object], dob: dt.date) -> int:
    """The id of the Patient for these details, created or brought up to date: matched by NHS
    number (its keyed hash: the number itself is encrypted, issue 18), else by email and date
    of birth. Only ids are read: the form has the details."""
    nhs_number = str(identity.get("nhs_number", ""))
    fields = {
        "full_name": str(identity.get("full_name", "")),
        "date_of_birth": dob,
        "email": str(identity.get("email", "")),
        "phone": str(identity.get("phone", "")),
        "preferred_contact": str(identity.get("preferred_contact", "")),
        "gp_practice": str(identity.get("gp_practice", "")),
        "nhs_number": nhs_number,
        # plainsql bypasses Model.save(), which would set it (LookupHashField.pre_save).
        "nhs_number_hash": encryption.lookup_hash(nhs_number),
    }
    by_email: dict[str, Any] = {"upper": {"email": fields["email"]}, "date_of_birth": dob}
    existing = None
    if nhs_number:
        existing = plainsql.first_pk(Patient, nhs_number_hash=fields["nhs_number_hash"])
    if existing is None:
        # Most forms come from someone new: insert, unless the email and date of birth match.
        created = plainsql.insert_unless(Patient, fields, **by_email)
        if created is not None:
            return int(created)
        existing = plainsql.first_pk(Patient, **by_email)
        if existing is None:  # matched a moment ago, removed since: a new record after all
            return int(plainsql.insert(Patient, [fields])[0].pk)
    plainsql.update(Patient, {**fields, "updated_at": timezone.now()}, pk=existing)
    return int(existing)

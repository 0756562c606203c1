"""A patient's data rights (issue 18): a copy of everything held about one patient (the right
of access, UK GDPR Art. 15, in a machine-readable form for Art. 20) and erasure (Art. 17).

Both are for clinic admins (`intake.export_patient_data`, `intake.erase_patient_data`), from
the admin (intake/backoffice) or the command line (`manage.py patient_export`,
`patient_erase`), and both are audited with ids and actions only. docs/operations.md, "Answering
a patient's request (access, erasure) within one month", is the procedure.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import secrets
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from intake import roles, summary
from intake.models import (
    AuditEvent,
    Escalation,
    Notification,
    Patient,
    RulesetChange,
    Submission,
    SubmissionNote,
    Tier,
)
from intake.selectors.data_rights import (
    ErasurePlan,
    appointment_list_for_submissions,
    appointment_model,
    bookingrequest_list_for_submissions,
    bookingrequest_model,
    patient_get_erasure_plan,
    submission_list_for_patient,
)
from intake.services import audit
from intake.triage import QUESTIONS_BY_CODE, AnswerType

# What replaces erased free text. Identity columns that must stay valid get a blank (email,
# phone, NHS number) or a fixed date (the date of birth: the column is required).
TOMBSTONE = "[erased]"
ERASED_DATE_OF_BIRTH = dt.date(1900, 1, 1)

# Messages sent to the patient themselves (the export lists them in full, recipient included;
# an erasure blanks their recipient). Every other kind goes to staff: the export lists those
# as alerts about the patient (kind, time, status), without the staff addresses.
PATIENT_KINDS = frozenset(
    {
        Notification.Kind.PATIENT_RECEIPT,
        Notification.Kind.RESUME_LINK,
        Notification.Kind.APPOINTMENT_CONFIRMATION,
        Notification.Kind.APPOINTMENT_REMINDER,
        Notification.Kind.APPOINTMENT_MOVED,
        Notification.Kind.APPOINTMENT_CANCELLED,
    }
)

EXPORT_FORMAT = "clinic-intake/patient-export"
EXPORT_VERSION = 1
_REASON_MAX = 500


def retention_days() -> int:
    """CLINIC_RETENTION_DAYS: how long a sent form is kept as part of the medical record."""
    return int(settings.CLINIC_RETENTION_DAYS)


def is_clinic_admin(user: object) -> bool:
    """An active staff account allowed to erase patient data (the clinic admins, and
    superusers): who may run an erasure, and who may confirm one."""
    return (
        isinstance(user, User)
        and user.is_active
        and user.is_authenticated
        and user.has_perm(roles.ERASE_PATIENT_DATA)
    )


# --- Right of access ------------------------------------------------------------------------


def patient_export_build(*, patient: Patient) -> dict[str, Any]:
    """Everything held about `patient`, as JSON-ready data (no writes: `patient_export` audits).

    Identity and contact details; every form, unfinished ones too, with its answers as question
    wording and answer labels (intake/summary.py) and as stored codes, its tier, the rules that
    fired with their reasons, scores, the override, notes, ruleset changes, escalations, triage's
    booking note for reception, appointments; the messages sent to the patient (kind, channel,
    address, time, status, error) and the alerts staff were sent about them (kind, channel, time,
    status: not the staff addresses); and who looked at or changed the record and when (the audit
    log: staff user name, action, time). In the language of the patient's latest form.
    """
    submissions = submission_list_for_patient(patient)
    language = next((s.language for s in reversed(submissions) if s.language), "")
    with translation.override(language or settings.LANGUAGE_CODE):
        ids = [s.pk for s in submissions]
        appointments = list(appointment_list_for_submissions(ids))
        booking_requests = {r.submission_id: r for r in bookingrequest_list_for_submissions(ids)}
        notes = _grouped(
            SubmissionNote.objects.filter(submission_id__in=ids).select_related("author")
        )
        changes = _grouped(RulesetChange.objects.filter(submission_id__in=ids).order_by("pk"))
        escalations = _grouped(Escalation.objects.filter(submission_id__in=ids).order_by("pk"))
        messages = _grouped(Notification.objects.filter(submission_id__in=ids).order_by("pk"))
        return {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "generated_at": timezone.now(),
            "clinic": settings.CLINIC_NAME,
            "language": translation.get_language(),
            "patient": _patient_data(patient),
            "submissions": [
                _submission_data(
                    s,
                    notes=notes.get(s.pk, []),
                    changes=changes.get(s.pk, []),
                    escalations=escalations.get(s.pk, []),
                    appointments=[a for a in appointments if a.submission_id == s.pk],
                    booking_request=booking_requests.get(s.pk),
                    messages=messages.get(s.pk, []),
                )
                for s in submissions
            ],
            "access_log": _access_log(patient, ids),
        }


def patient_export_json(data: Mapping[str, Any]) -> str:
    """The export as JSON text (dates and times in ISO 8601)."""
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def patient_export_html(data: Mapping[str, Any]) -> str:
    """The export as one readable HTML page: no scripts, styles inline, nothing fetched from
    elsewhere, every value escaped (free text is shown as text, never as markup)."""
    forms = [
        {
            **form,
            "score_rows": _readable_scores(form["triage"]["scores"]),
            "held_rows": _readable_held_input(form["unsaved_page_input"]),
            "typed_rows": _readable_typed_input(form["pages_saved_as_typed"]),
        }
        for form in data.get("submissions", [])
    ]
    with translation.override(str(data.get("language") or settings.LANGUAGE_CODE)):
        return render_to_string(
            "intake/data_rights/export.html", {"data": data, "submissions": forms}
        )


def _readable_held_input(held: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What was typed on an interrupted page, as (question wording, what was typed)."""
    posted = held.get("data") or {}
    rows = []
    for name, values in posted.items():
        question = QUESTIONS_BY_CODE.get(name)
        typed = values if isinstance(values, list) else [values]
        rows.append((_(question.text) if question else str(name), ", ".join(map(str, typed))))
    return rows


def _readable_typed_input(typed: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What was typed on the pages saved with "Save and come back later" (issue 19), as
    (question wording, what was typed), page after page."""
    rows = []
    for posted in (typed.get("pages") or {}).values():
        rows.extend(_readable_held_input({"data": posted or {}}))
    return rows


def _readable_scores(scores: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Each score as (name, value), a nested one (the PE Wells items) as compact JSON rather
    than Python's notation."""
    return [
        (
            name,
            json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value),
        )
        for name, value in scores.items()
    ]


@dataclass(frozen=True)
class PatientExport:
    """One patient's data as delivered: the JSON file and the readable HTML copy."""

    patient_id: int
    json_text: str
    html: str
    generated_on: dt.date

    @property
    def stem(self) -> str:
        """The files' name without extension: ids and a date, never a name."""
        return f"patient-{self.patient_id}-{self.generated_on.isoformat()}"

    def zip_bytes(self) -> bytes:
        """Both files in one zip archive (the admin's download)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{self.stem}.json", self.json_text)
            archive.writestr(f"{self.stem}.html", self.html)
        return buffer.getvalue()


@transaction.atomic
def patient_export(
    *,
    patient: Patient,
    actor: User | None,
    ip_address: str | None = None,
    via: str = "admin",
) -> PatientExport:
    """Build one patient's export (JSON and HTML) and record it in the audit log: one "export"
    event per form of theirs (so each case's history shows it), or one for the patient when
    they have none, with ids only. `actor`: the clinic admin (None: the system, a command run
    without --by). Side effects: the audit events."""
    data = patient_export_build(patient=patient)
    export = PatientExport(
        patient_id=patient.pk,
        json_text=patient_export_json(data),
        html=patient_export_html(data),
        generated_on=timezone.localdate(),
    )
    details = {"patient": patient.pk, "request": "access", "via": via}
    submissions = submission_list_for_patient(patient)
    for submission in submissions:
        audit.audit_record(
            actor=actor,
            action=AuditEvent.Action.EXPORT,
            submission=submission,
            details=details,
            ip_address=ip_address,
        )
    if not submissions:
        audit.audit_record(
            actor=actor,
            action=AuditEvent.Action.EXPORT,
            object_repr=patient_repr(patient.pk),
            details=details,
            ip_address=ip_address,
        )
    return export


def patient_repr(patient_id: int) -> str:
    """How the audit log names a patient: by id, never by name."""
    return _("Patient #%(id)s") % {"id": patient_id}


def _grouped(rows: Iterable[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.submission_id, []).append(row)
    return grouped


def _username(user: User | None) -> str:
    return user.get_username() if user is not None else ""


def _patient_data(patient: Patient) -> dict[str, Any]:
    return {
        "id": patient.pk,
        "full_name": patient.full_name,
        "date_of_birth": patient.date_of_birth,
        "email": patient.email,
        "phone": patient.phone,
        "preferred_contact": patient.preferred_contact,
        "preferred_contact_label": str(patient.get_preferred_contact_display()),
        "gp_practice": patient.gp_practice,
        "nhs_number": patient.nhs_number,
        "created_at": patient.created_at,
        "updated_at": patient.updated_at,
    }


def _tier_label(tier: str) -> str:
    return str(Tier(tier).label) if tier in Tier.values else ""


def _answers_data(submission: Submission) -> list[dict[str, Any]]:
    """The answers as the patient saw them, page by page (intake/summary.py)."""
    pages = summary.summarise(
        submission.answers or {}, submission.identity or {}, include_consent=True
    )
    return [
        {
            "step": str(page.step.title),
            "answers": [
                {
                    "code": row.code,
                    "question": row.question,
                    "answer": row.answer,
                    "not_sure": row.not_sure,
                }
                for row in page.rows
                if row.provided
            ],
        }
        for page in pages
    ]


def _submission_data(
    submission: Submission,
    *,
    notes: list[SubmissionNote],
    changes: list[RulesetChange],
    escalations: list[Escalation],
    appointments: list[Any],
    booking_request: Any,
    messages: list[Notification],
) -> dict[str, Any]:
    return {
        "id": submission.pk,
        "reference": submission.reference or "",
        "status": submission.status,
        "status_label": str(submission.get_status_display()),
        "started_at": submission.created_at,
        "last_saved_at": submission.updated_at,
        "submitted_at": submission.submitted_at,
        "language": submission.language,
        "age_years": submission.age_years,
        "details_given": dict(submission.identity or {}),
        "answers": _answers_data(submission),
        "answers_stored": dict(submission.answers or {}),
        "unsaved_page_input": dict(submission.held_input or {}),
        "pages_saved_as_typed": dict(submission.typed_input or {}),
        "emergency_advice": {
            "shown_at": submission.interruption_shown_at,
            "rules": list(submission.interrupted_rules or []),
            "followed_up_at": submission.interruption_handled_at,
        },
        "triage": {
            "ruleset_version": submission.ruleset_version,
            "engine_tier": submission.engine_tier,
            "engine_tier_label": _tier_label(submission.engine_tier),
            "tier": submission.tier,
            "tier_label": _tier_label(submission.tier),
            "fired_rules": [
                {
                    "code": str(reason.get("code", "")),
                    "tier": str(reason.get("tier", "")),
                    "reason": str(reason.get("staff_reason", "")),
                    "source": str(reason.get("source", "")),
                }
                for reason in submission.reasons or []
            ],
            "scores": dict(submission.scores or {}),
        },
        "override": (
            {
                "tier": submission.tier,
                "reason": submission.override_reason,
                "by": _username(submission.overridden_by),
                "at": submission.overridden_at,
            }
            if submission.overridden_at
            else None
        ),
        "notes": [
            {"at": note.created_at, "by": _username(note.author), "text": note.text}
            for note in notes
        ],
        "ruleset_changes": [
            {
                "at": change.created_at,
                "from_ruleset": change.from_ruleset,
                "to_ruleset": change.to_ruleset,
                "old_tier": change.old_tier,
                "new_tier": change.new_tier,
                "decision": change.decision,
                "decision_label": str(change.get_decision_display()),
                "decided_at": change.decided_at,
                "reason": change.reason,
            }
            for change in changes
        ],
        "escalations": [{"level": e.level, "at": e.created_at} for e in escalations],
        "booking_request": _booking_request_data(booking_request),
        "appointments": [_appointment_data(a) for a in appointments],
        "messages": [
            _message_data(m, to_patient=True) for m in messages if m.kind in PATIENT_KINDS
        ],
        "staff_alerts": [
            _message_data(m, to_patient=False) for m in messages if m.kind not in PATIENT_KINDS
        ],
    }


def _booking_request_data(request: Any) -> dict[str, Any] | None:
    """What triage told reception about booking the form (issue 20), or None."""
    if request is None:
        return None
    kind = request.appointment_type
    return {
        "recommended_appointment_type": kind.name if kind else "",
        "note": request.note,
        "by": _username(request.set_by),
        "triaged_at": request.triaged_at,
        "book_by": request.book_by,
    }


def _appointment_data(appointment: Any) -> dict[str, Any]:
    kind = appointment.slot.appointment_type
    return {
        "id": appointment.pk,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "clinician": appointment.clinician.name,
        "appointment_type": kind.name,
        "location": kind.location,
        "status": appointment.status,
        "status_label": str(appointment.get_status_display()),
        "booked_at": appointment.booked_at,
        "cancelled_at": appointment.cancelled_at,
        "cancelled_by_patient": appointment.cancelled_by_patient,
        "cancel_reason": appointment.cancel_reason,
        "notes": appointment.notes,
    }


def _message_data(message: Notification, *, to_patient: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": message.kind,
        "kind_label": str(message.get_kind_display()),
        "channel": message.channel,
        "created_at": message.created_at,
        "sent_at": message.sent_at,
        "status": message.status,
        "status_label": str(message.get_status_display()),
    }
    if to_patient:  # where it went, and why it failed if it did (a staff address: never)
        data["to"] = message.recipient
        data["error"] = message.last_error
    return data


def _access_log(patient: Patient, submission_ids: list[int]) -> list[dict[str, Any]]:
    """Who looked at or changed the record, and when: the audit events of the patient's forms
    (and their appointments, recorded on the form) and of the patient record itself."""
    events = (
        AuditEvent.objects.filter(
            Q(submission_id__in=submission_ids) | Q(details__patient=patient.pk)
        )
        .exclude(action__in=[AuditEvent.Action.LOGIN, AuditEvent.Action.LOGOUT])
        .order_by("created_at", "id")
    )
    return [
        {
            "at": event.created_at,
            "who": event.actor_label,
            "actor_kind": event.actor_kind,
            "action": event.action,
            "action_label": str(event.get_action_display()),
            "record": event.object_repr,
        }
        for event in events
    ]


# --- Erasure --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureResult:
    """What an erasure did: forms anonymised (kept for the retention period) and deleted, and
    whether the patient record itself was kept (anonymised) or deleted."""

    patient_id: int
    anonymised: tuple[int, ...]
    deleted: tuple[int, ...]
    patient_deleted: bool
    confirmed_by: str


@transaction.atomic
def patient_erase(
    *,
    patient: Patient,
    reason: str,
    actor: User,
    confirmed_by: User | None,
    ip_address: str | None = None,
    via: str = "admin",
    now: dt.datetime | None = None,
) -> ErasureResult:
    """Erase `patient`'s personal data in every table, as `ErasurePlan` decides per form.

    Forms inside CLINIC_RETENTION_DAYS are anonymised: the patient record's identity and contact
    details, the details typed on each form, every free-text answer, the input held for an
    interrupted page, override reasons, notes, ruleset-change reasons, booking notes, appointment
    notes and cancel reasons, message recipients and errors are replaced by a tombstone ("[erased]",
    or blank, or 1 January 1900 for the required date of birth); the coded clinical data (status,
    tier, rule codes and reasons, scores, coded answers, age, dates) is kept; each form gets a new
    link token, so old links open nothing; messages still waiting to go to the patient are not sent.
    Everything else (forms past the period, unfinished forms, and the patient record when no form is
    kept) is deleted, with its appointments, notes, messages, escalations and ruleset changes.

    Refused (ValidationError, nothing changed) unless `actor` is a clinic admin, the reason is
    given and names nothing of the patient (it is kept in the audit log), no appointment is
    still booked ahead (cancel it first: the patient is told, the slot freed), and, when some
    of it is inside the retention period, `confirmed_by` is another active clinic admin (a
    confirmer given when none is needed is checked the same way).

    Side effects: the rows above; audit events: one "erase" per form changed or deleted and
    per appointment (field names only, from the audited querysets) and one for the patient
    with the reason, the confirmer and the form ids. No erased value is written to the audit.
    """
    now = now or timezone.now()
    reason = reason.strip()
    if not is_clinic_admin(actor):
        raise ValidationError(_("Only a clinic admin can erase a patient's data."))
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    plan = patient_get_erasure_plan(locked, now=now)
    submissions = list(
        Submission.objects.select_for_update().filter(pk__in=plan.submission_ids).order_by("pk")
    )
    _check_request(plan, locked, submissions, reason=reason, actor=actor, confirmed_by=confirmed_by)
    who: dict[str, Any] = {
        "actor": actor,
        "action": AuditEvent.Action.ERASE,
        "ip_address": ip_address,
        "details": {"patient": locked.pk},
    }
    Appointment = appointment_model()
    if plan.deleted:
        Appointment.objects.filter(submission_id__in=plan.deleted).audited(**who).delete()
        Submission.objects.filter(pk__in=plan.deleted).audited(**who).delete()
    if plan.retained:
        _anonymise(submissions, plan, who=who, now=now)
        _anonymise_patient(locked)
    else:
        Patient.objects.filter(pk=locked.pk).delete()
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.ERASE,
        object_repr=patient_repr(locked.pk),
        details={
            "patient": locked.pk,
            "reason": reason,
            "confirmed_by": _username(confirmed_by),
            "retention_days": retention_days(),
            "anonymised": list(plan.retained),
            "deleted": list(plan.deleted),
            "patient_deleted": not plan.retained,
            "via": via,
        },
        ip_address=ip_address,
    )
    return ErasureResult(
        patient_id=locked.pk,
        anonymised=plan.retained,
        deleted=plan.deleted,
        patient_deleted=not plan.retained,
        confirmed_by=_username(confirmed_by),
    )


def _check_request(
    plan: ErasurePlan,
    patient: Patient,
    submissions: list[Submission],
    *,
    reason: str,
    actor: User,
    confirmed_by: User | None,
) -> None:
    if not reason:
        raise ValidationError(_("Give the reason for the erasure (it is kept in the audit log)."))
    if len(reason) > _REASON_MAX:
        raise ValidationError(
            _("Keep the reason to %(limit)s characters or fewer.") % {"limit": _REASON_MAX}
        )
    if names_the_patient(reason, patient, submissions):
        raise ValidationError(
            _(
                "The reason is kept in the audit log, which never holds a patient's details: "
                "leave out their name, email, phone and NHS number (say how the request came, "
                "and its date or your own reference)."
            )
        )
    if plan.upcoming:
        raise ValidationError(
            _(
                "%(n)s appointment(s) of this patient are still booked: cancel them first (the "
                "patient is told and the slot freed), then erase."
            )
            % {"n": len(plan.upcoming)}
        )
    if plan.needs_confirmation and confirmed_by is None:
        raise ValidationError(
            _(
                "Some of this record is inside the retention period (%(days)s days): a second "
                "clinic admin must confirm the erasure."
            )
            % {"days": retention_days()}
        )
    if confirmed_by is not None:
        if confirmed_by.pk == actor.pk:
            raise ValidationError(
                _("The erasure must be confirmed by a second clinic admin, not by you.")
            )
        if not is_clinic_admin(confirmed_by):
            raise ValidationError(
                _("%(user)s cannot confirm an erasure: only an active clinic admin can.")
                % {"user": confirmed_by.get_username()}
            )


def names_the_patient(text: str, patient: Patient, submissions: Iterable[Submission]) -> bool:
    """Whether `text` holds any of the patient's identity: a word of their name (3 letters or
    more), their email address or its part before the @, phone number (by its digits), NHS
    number or date of birth, as on the record or as typed on any of their forms."""
    identities: list[Mapping[str, object]] = [
        {
            "full_name": patient.full_name,
            "email": patient.email,
            "phone": patient.phone,
            "nhs_number": patient.nhs_number,
            "date_of_birth": patient.date_of_birth.isoformat(),
        },
        *(s.identity or {} for s in submissions),
    ]
    lowered = text.casefold()
    words = set(re.findall(r"\w+", lowered))
    digits = re.sub(r"\D", "", text)
    for identity in identities:
        name = str(identity.get("full_name") or "").casefold()
        if any(len(part) >= 3 and part in words for part in re.findall(r"\w+", name)):
            return True
        # The address, or its part before the @ (4 characters or more: "a.quill" too).
        local = str(identity.get("email") or "").casefold().split("@")[0]
        if len(local) >= 4 and local in lowered:
            return True
        for key in ("phone", "nhs_number"):
            number = re.sub(r"\D", "", str(identity.get(key) or ""))
            if len(number) >= 6 and number in digits:
                return True
        born = str(identity.get("date_of_birth") or "")
        if born and born in text:
            return True
    return False


def erased_answers(answers: Mapping[str, object]) -> dict[str, object]:
    """The answers with every free-text value replaced by the tombstone: only the answers to
    questions with coded answers (choices, numbers, scales, dates) and the age are kept."""
    kept: dict[str, object] = {}
    for code, value in answers.items():
        question = QUESTIONS_BY_CODE.get(code)
        coded = code == "age_years" or (
            question is not None and question.type is not AnswerType.TEXT
        )
        kept[code] = value if coded or value in (None, "", []) else TOMBSTONE
    return kept


def _anonymise(
    submissions: list[Submission], plan: ErasurePlan, *, who: dict[str, Any], now: dt.datetime
) -> None:
    """Inside the retention period: identity and free text out, coded clinical data kept."""
    retained = list(plan.retained)
    for submission in submissions:
        if submission.pk not in plan.retained:
            continue
        Submission.objects.filter(pk=submission.pk).audited(**who).update(
            identity={},
            answers=erased_answers(submission.answers or {}),
            held_input={},
            typed_input={},
            override_reason=TOMBSTONE if submission.override_reason else "",
            token=secrets.token_urlsafe(24),
            updated_at=now,
        )
    SubmissionNote.objects.filter(submission_id__in=retained).update(text=TOMBSTONE)
    RulesetChange.objects.filter(submission_id__in=retained).exclude(reason="").update(
        reason=TOMBSTONE
    )
    appointments = appointment_model().objects.filter(submission_id__in=retained)
    appointments.exclude(cancel_reason="").audited(**who).update(cancel_reason=TOMBSTONE)
    appointments.exclude(notes="").audited(**who).update(notes=TOMBSTONE)
    bookingrequest_model().objects.filter(submission_id__in=retained).exclude(note="").update(
        note=TOMBSTONE
    )
    messages = Notification.objects.filter(submission_id__in=retained)
    messages.filter(kind__in=PATIENT_KINDS, status=Notification.Status.PENDING).update(
        status=Notification.Status.CANCELLED
    )
    messages.filter(kind__in=PATIENT_KINDS).update(recipient="")
    messages.exclude(last_error="").update(last_error=TOMBSTONE)


def _anonymise_patient(patient: Patient) -> None:
    patient.full_name = TOMBSTONE
    patient.date_of_birth = ERASED_DATE_OF_BIRTH
    patient.email = ""
    patient.phone = ""
    patient.preferred_contact = ""
    patient.gp_practice = ""
    patient.nhs_number = ""
    patient.save()

"""Two patients with everything a clinic holds about someone, for the data-rights tests.

Alexandrina Quillfeather (Alex) fills in the form in her browser and sends it; the clinic triages it
(a note, an override, a booking note for reception), books and cancels an appointment, messages go
out (one fails); she starts two more forms, one of which showed the emergency advice and still holds
what she typed on the interrupted page. Every piece of her text is a canary: a string found nowhere
else, so a scan of the database can tell whether any of it is left.

Alexander Quillfeather (Xander), her neighbour in the alphabet: a similar name, the same
surname, an address at the same email domain, his own form and note. He must never appear in
her export, and her erasure must leave him alone.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import timezone

from intake.models import Notification, Patient, RulesetChange, Submission
from intake.scheduling.services import booking, requests
from intake.services import workflow
from tests.intake.backoffice.staff import logged_in, slot_in
from tests.intake.conftest import fill_until, start
from tests.journey import CONSENT, identity_for, vignette_answers

DOMAIN = "canary-mail.example"

# Alex's canaries: each one is written somewhere by the flow below.
ALEX = {
    "name": "Alexandrina Quillfeather",
    "email": f"a.quillfeather@{DOMAIN}",
    "phone": "07700 900461",
    "nhs_number": "9434765919",
    "gp_practice": "Wombat-canary Surgery",
    "contact_phone": "07700 900462",
    "free_text": "Zanzibar-canary ache in the left shin",
    "medicines": "Quinqueloquat-canary 5mg",
    "draft_text": "Marzipan-canary throbbing since Tuesday",
    "held_text": "Halibut-canary typed before the advice",
    "typed_text": "Kumquat-canary typed on a page saved for later",
    "note": "Rang back: Pomegranate-canary plan agreed",
    "override": "Heard the wheeze-canary on the phone",
    "booking_note": "Book her with the Kumquat-canary registrar",
    "appointment_notes": "Bring the Tangerine-canary letter",
    "cancel_reason": "Moving to Reykjavik-canary",
    "ruleset_reason": "Ocelot-canary judgement",
    "message_error": "550 mailbox of Alexandrina Quillfeather: Xylophone-canary unavailable",
}

XANDER = {
    "name": "Alexander Quillfeather",
    "email": f"alexander.q@{DOMAIN}",
    "phone": "07700 900777",
    "free_text": "Marmalade-canary knee after football",
    "note": "Xander note: Gooseberry-canary",
}


@dataclass
class World:
    alex: Patient
    xander: Patient
    sent: Submission  # Alex's sent, triaged form
    emergency_draft: Submission  # unfinished, showed the emergency advice: a case
    plain_draft: Submission  # unfinished, nothing clinical about it
    xander_sent: Submission
    staff: dict[str, User] = field(default_factory=dict)


def _identity(person: dict[str, str], answers: dict[str, Any], **extra: str) -> dict[str, Any]:
    return {
        **identity_for(answers),
        "full_name": person["name"],
        "email": person["email"],
        "phone": person["phone"],
        **extra,
    }


def send_form(identity: dict[str, Any], answers: dict[str, Any], contact_phone: str) -> Submission:
    """Fill in and send the whole form in a browser, as a patient does."""
    client = Client()
    draft = start(client)
    fill_until(client, draft, answers, identity=identity)
    response = client.post(
        f"/intake/{draft.token}/check/", {**CONSENT, "contact_phone": contact_phone}
    )
    assert response.status_code == 302, response.content[:2000]
    return Submission.objects.get(pk=draft.pk)


def start_form(identity: dict[str, Any], answers: dict[str, Any], stop_before: str) -> Submission:
    client = Client()
    draft = start(client)
    fill_until(client, draft, answers, identity=identity, stop_before=stop_before)
    return Submission.objects.get(pk=draft.pk)


def build_world(*, triage_nurse: User, receptionist: User, clinic_admin: User) -> World:
    answers = {
        **vignette_answers(),
        "main_problem_text": ALEX["free_text"],
        "medication_list": ALEX["medicines"],
    }
    identity = _identity(
        ALEX, answers, nhs_number=ALEX["nhs_number"], gp_practice=ALEX["gp_practice"]
    )
    sent = send_form(identity, answers, ALEX["contact_phone"])
    assert sent.patient is not None
    alex = sent.patient

    # The clinic works on it: review, a note, an override, triaged, booked, cancelled.
    workflow.submission_start_review(submission=sent, actor=triage_nurse)
    workflow.submission_add_note(submission=sent, text=ALEX["note"], actor=triage_nurse)
    workflow.submission_override_tier(
        submission=sent, tier="SOON", reason=ALEX["override"], actor=triage_nurse
    )
    workflow.submission_set_status(submission=sent, status="triaged", actor=triage_nurse)
    requests.bookingrequest_set_guidance(
        submission=sent, actor=triage_nurse, note=ALEX["booking_note"]
    )
    appointment = booking.appointment_book(
        submission=sent, slot=slot_in(30), actor=receptionist, notes=ALEX["appointment_notes"]
    )
    booking.appointment_cancel(
        appointment=appointment, reason=ALEX["cancel_reason"], actor=receptionist
    )
    RulesetChange.objects.create(
        submission=sent,
        from_ruleset="2026.1",
        to_ruleset="2026.2",
        old_tier="SOON",
        new_tier="ROUTINE",
        decision=RulesetChange.Decision.DISMISSED,
        reason=ALEX["ruleset_reason"],
    )
    # A message that failed, its error quoting her (as a mail server's refusal can).
    Notification.objects.filter(submission=sent, kind=Notification.Kind.PATIENT_RECEIPT).update(
        status=Notification.Status.FAILED, last_error=ALEX["message_error"]
    )
    # A clinic admin opens her case page: in the audit log, as a view.
    page = logged_in(clinic_admin)
    assert page.get(f"/admin/intake/submission/{sent.pk}/change/").status_code == 200

    # Two more forms, not sent: one showed the emergency advice (a case for the clinicians,
    # with what she typed on the interrupted page held), one is just unfinished.
    later = {**answers, "main_problem_text": ALEX["draft_text"]}
    emergency_draft = start_form(identity, later, stop_before="medications")
    Submission.objects.filter(pk=emergency_draft.pk).update(
        interruption_shown_at=timezone.now(),
        interrupted_rules=["EMG_CHEST_BREATH"],
        held_input={
            "step": "where_it_hurts",
            "data": {"main_problem_text": [ALEX["held_text"]]},
            "to_check": False,
        },
        # And a page she saved for later as typed (issue 19).
        typed_input={
            "page": "medications",
            "to_check": False,
            "pages": {"medications": {"medication_list": [ALEX["typed_text"]]}},
        },
    )
    plain_draft = start_form(identity, later, stop_before="medications")

    # Xander: a similar name, the same surname and email domain.
    his_answers = {**vignette_answers(), "main_problem_text": XANDER["free_text"]}
    xander_sent = send_form(_identity(XANDER, his_answers), his_answers, XANDER["phone"])
    workflow.submission_add_note(submission=xander_sent, text=XANDER["note"], actor=triage_nurse)

    return World(
        alex=alex,
        xander=Patient.objects.get(submissions=xander_sent),
        sent=Submission.objects.get(pk=sent.pk),
        emergency_draft=Submission.objects.get(pk=emergency_draft.pk),
        plain_draft=Submission.objects.get(pk=plain_draft.pk),
        xander_sent=Submission.objects.get(pk=xander_sent.pk),
        staff={"triage": triage_nurse, "receptionist": receptionist, "admin": clinic_admin},
    )


# --- The scan: every text and JSON column of every table, two ways --------------------------------


def _as_text(value: object) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, default=str, ensure_ascii=False)
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def _hits(where: str, text: str, canaries: Iterable[str]) -> list[str]:
    folded = text.casefold()
    return [f"{where}: {canary!r}" for canary in canaries if canary.casefold() in folded]


def traces_through_the_orm(canaries: Iterable[str]) -> list[str]:
    """Every column of every model (auto-created ones too), read through the model: what the
    app sees, so an encrypted field is read decrypted."""
    canaries = list(canaries)
    found = []
    for model in apps.get_models(include_auto_created=True):
        names = [f.attname for f in model._meta.concrete_fields]
        for row in model._base_manager.values_list(*names):
            for name, value in zip(names, row, strict=True):
                if value is not None:
                    found += _hits(f"{model._meta.label}.{name}", _as_text(value), canaries)
    return found


def traces_in_raw_sql(canaries: Iterable[str]) -> list[str]:
    """Every column of every table in the database (not only the models' ones), cast to text
    by the database itself: what is on disk, whatever the app thinks it stored."""
    canaries = list(canaries)
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = connection.introspection.get_table_description(cursor, table)
            for column in columns:
                # Names from the database's own introspection, quoted: nothing typed in.
                sql = f"SELECT CAST({quote(column.name)} AS TEXT) FROM {quote(table)}"  # noqa: S608
                cursor.execute(sql)
                for (value,) in cursor.fetchall():
                    if value is not None:
                        found += _hits(f"{table}.{column.name}", _as_text(value), canaries)
    return found


def traces(canaries: Iterable[str]) -> list[str]:
    """Both scans together."""
    canaries = list(canaries)
    return traces_through_the_orm(canaries) + traces_in_raw_sql(canaries)


def days_ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)

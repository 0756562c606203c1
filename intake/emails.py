"""Rendering and delivering outbox messages. Bodies are built at send time from the database.

Each message is `templates/intake/email/<template>_subject.txt`, `<template>.txt` and
`<template>.html` (the HTML part is optional); an SMS is `templates/intake/sms/<template>.txt`.
Staff alerts carry the reference, tier, top reason and an admin link, and nothing else about
the patient: email and SMS are not secure channels for clinical detail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from intake import clinical, sms, triage
from intake.models import Notification


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: str | bytes
    mimetype: str


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)


# The submission fields a message may use; the sender loads only these.
SUBMISSION_FIELDS = (
    "token",
    "status",
    "reference",
    "tier",
    "reasons",
    "fired_rules",
    "language",
    "submitted_at",
    "awaiting_since",
    "interrupted_rules",
)


def _top_reason(submission: object) -> str:
    """The first fired rule's staff reason; mid-form, the rule that interrupted the patient."""
    reasons = getattr(submission, "reasons", None) or []
    if reasons:
        return str(reasons[0]["staff_reason"])
    for code in getattr(submission, "interrupted_rules", None) or []:
        rule = triage.RULES_BY_CODE.get(code)
        if rule is not None:
            return rule.staff_reason
    return ""


def context_for(notification: Notification) -> dict[str, object]:
    submission = notification.submission
    # In the queue since the form was sent, or since a mid-form emergency interrupted it.
    since = submission.awaiting_since
    waited = (timezone.now() - since) if since else None
    context = {
        "clinic_name": settings.CLINIC_NAME,
        "emergency_number": settings.CLINIC_EMERGENCY_NUMBER,
        "urgent_advice_line": settings.CLINIC_URGENT_ADVICE_LINE,
        "reference": submission.reference,
        "tier": submission.get_tier_display() if submission.tier else "EMERGENCY",
        "top_reason": _top_reason(submission),
        "interruption": submission.is_draft,
        "admin_url": settings.CLINIC_SITE_URL
        + reverse("admin:intake_submission_change", args=[submission.pk]),
        "resume_url": settings.CLINIC_SITE_URL + reverse("intake:resume", args=[submission.token]),
        # What the patient was told, rendered in the language this message is written in.
        "patient_message": "\n\n".join(
            clinical.patient_message(submission.fired_rules, now=submission.submitted_at).paragraphs
        )
        if submission.fired_rules
        else "",
        "draft_days": settings.CLINIC_DRAFT_LIFETIME_DAYS,
        "waited_minutes": int(waited.total_seconds() // 60) if waited else 0,
        "target_minutes": settings.CLINIC_ESCALATION_MINUTES.get(submission.tier, ""),
    }
    if notification.appointment_id is not None:
        context.update(appointment_context(notification))
    return context


# Messages about an appointment read it through the outbox row's foreign key: the scheduling app,
# which owns appointments, sits above the core and is not imported here.


def appointment_context(notification: Notification) -> dict[str, object]:
    """What a message about an appointment may say: when, where, with whom, and the cancel link.

    Patient messages show the time and place and a fresh signed cancel link (it expires
    CLINIC_CANCEL_LINK_DAYS after this message is sent). Staff alerts use only the admin link.
    """
    appointment = notification.appointment
    if appointment is None:
        return {}
    kind = appointment.slot.appointment_type
    return {
        **place_context(
            appointment=appointment, appointment_type=kind.name, location=kind.location
        ),
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "clinician": appointment.clinician.name,
        "cancel_url": settings.CLINIC_SITE_URL
        + reverse("intake:appointment_cancel", args=[cancel_token(appointment.pk)]),
        "cancel_days": settings.CLINIC_CANCEL_LINK_DAYS,
        "appointment_admin_url": settings.CLINIC_SITE_URL
        + reverse("admin:scheduling_appointment_change", args=[appointment.pk]),
    }


def place_context(
    *, appointment: object, appointment_type: str, location: str
) -> dict[str, object]:
    """What, where and how to reach the clinic, as messages and the patient's cancel page show it
    (no clinical detail, no patient name). The page's view calls it through
    `intake.scheduling.windows.appointment_place`."""
    return {
        "appointment": appointment,
        "appointment_type": appointment_type,
        "location": location,
        "clinic_address": settings.CLINIC_ADDRESS,
        "clinic_phone": settings.CLINIC_PHONE,
    }


# Messages that carry the appointment as a calendar file, and the iTIP method of each.
CALENDAR_METHODS = {
    Notification.Kind.APPOINTMENT_CONFIRMATION: "PUBLISH",
    Notification.Kind.APPOINTMENT_MOVED: "PUBLISH",
    Notification.Kind.APPOINTMENT_CANCELLED: "CANCEL",
}


def attachments_for(notification: Notification) -> list[Attachment]:
    """The `.ics` file for a confirmation, a move (same UID, a higher SEQUENCE: calendars
    update the event) or a cancellation (STATUS:CANCELLED removes it)."""
    method = CALENDAR_METHODS.get(Notification.Kind(notification.kind))
    content = None if method is None else appointment_ics(notification, method=method)
    if content is None:
        return []
    return [
        Attachment(
            filename="appointment.ics",
            content=content,
            mimetype=f"text/calendar; method={method}",
        )
    ]


def appointment_ics(notification: Notification, *, method: str = "PUBLISH") -> bytes | None:
    """An RFC 5545 calendar with the row's appointment, in UTC; no clinical detail in it. None
    for a row about no appointment."""
    appointment = notification.appointment
    if appointment is None:
        return None
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{settings.CLINIC_NAME}//Intake//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = icalendar.Event()
    host = urlsplit(settings.CLINIC_SITE_URL).hostname or "localhost"
    event.add("uid", f"appointment-{appointment.pk}@{host}")
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", appointment.starts_at.astimezone(dt.UTC))
    event.add("dtend", appointment.ends_at.astimezone(dt.UTC))
    event.add("sequence", appointment.sequence + (1 if method == "CANCEL" else 0))
    kind = appointment.slot.appointment_type
    event.add("summary", f"{kind.name} – {settings.CLINIC_NAME}")
    event.add(
        "location", ", ".join(part for part in (kind.location, settings.CLINIC_ADDRESS) if part)
    )
    event.add(
        "description",
        _("Reference %(ref)s. To change or cancel, call %(phone)s.")
        % {"ref": appointment.submission.reference, "phone": settings.CLINIC_PHONE},
    )
    event.add("organizer", f"mailto:{settings.DEFAULT_FROM_EMAIL}")
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    calendar.add_component(event)
    return bytes(calendar.to_ical())


# Messages to the patient, written in the language they used the form in; the rest go to staff
# and are written in the clinic's language (LANGUAGE_CODE).
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


def language_for(notification: Notification) -> str:
    """The language a message is written in: the patient's for theirs, the clinic's for staff."""
    if notification.kind in PATIENT_KINDS and notification.submission.language:
        return notification.submission.language
    return str(settings.LANGUAGE_CODE)


def render(notification: Notification) -> Rendered:
    """The message as it would be sent now, without sending it, in its reader's language."""
    with translation.override(language_for(notification)):
        return _render(notification)


def _render(notification: Notification) -> Rendered:
    context = context_for(notification)
    if notification.channel == Notification.Channel.SMS:
        text = render_to_string(f"intake/sms/{notification.template}.txt", context)
        return Rendered(subject="", text=" ".join(text.split()))
    base = f"intake/email/{notification.template}"
    subject = render_to_string(f"{base}_subject.txt", context)
    try:
        html: str | None = render_to_string(f"{base}.html", context)
    except TemplateDoesNotExist:
        html = None
    return Rendered(
        subject=" ".join(subject.split()),
        text=render_to_string(f"{base}.txt", context),
        html=html,
        attachments=attachments_for(notification),
    )


def deliver(notification: Notification) -> None:
    """Send one rendered message by its channel. Raises on a sending error (the caller retries)."""
    rendered = render(notification)
    if notification.channel == Notification.Channel.SMS:
        sms.send(to=notification.recipient, body=rendered.text)
        return
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient],
    )
    if rendered.html is not None:
        message.attach_alternative(rendered.html, "text/html")
    for attachment in rendered.attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    message.send()


# --- The patient's cancel link -------------------------------------------------------------------
# Written into appointment messages here; read back by the cancel page
# (`intake.scheduling.selectors.appointment_get_for_cancel_link`).

CANCEL_LINK_SALT = "intake.appointment.cancel"


def cancel_token(appointment_id: int) -> str:
    """A signed, timestamped token naming the appointment (its id only: no personal data)."""
    return signing.dumps(appointment_id, salt=CANCEL_LINK_SALT)


def appointment_id_from_cancel_token(token: str) -> int:
    """The appointment id in a cancel token.

    Raises signing.SignatureExpired past CLINIC_CANCEL_LINK_DAYS, signing.BadSignature if
    tampered with or made up.
    """
    value = signing.loads(
        token, salt=CANCEL_LINK_SALT, max_age=dt.timedelta(days=settings.CLINIC_CANCEL_LINK_DAYS)
    )
    if not isinstance(value, int):
        raise signing.BadSignature("not an appointment id")
    return value

"""Rendering and delivering outbox messages. Bodies are built at send time from the database.

Each message is `templates/intake/email/<template>_subject.txt`, `<template>.txt` and
`<template>.html` (the HTML part is optional); an SMS is `templates/intake/sms/<template>.txt`.
Staff alerts carry the reference, tier, top reason and an admin link, and nothing else about
the patient: email and SMS are not secure channels for clinical detail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from intake import sms
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
    "patient_message",
    "submitted_at",
)


def context_for(notification: Notification) -> dict[str, object]:
    submission = notification.submission
    reasons = submission.reasons or []
    waited = (timezone.now() - submission.submitted_at) if submission.submitted_at else None
    return {
        "clinic_name": settings.CLINIC_NAME,
        "emergency_number": settings.CLINIC_EMERGENCY_NUMBER,
        "urgent_advice_line": settings.CLINIC_URGENT_ADVICE_LINE,
        "reference": submission.reference,
        "tier": submission.get_tier_display() if submission.tier else "EMERGENCY",
        "top_reason": reasons[0]["staff_reason"] if reasons else "",
        "interruption": submission.is_draft,
        "admin_url": settings.CLINIC_SITE_URL
        + reverse("admin:intake_submission_change", args=[submission.pk]),
        "resume_url": settings.CLINIC_SITE_URL + reverse("intake:resume", args=[submission.token]),
        "patient_message": submission.patient_message,
        "draft_days": settings.CLINIC_DRAFT_LIFETIME_DAYS,
        "waited_minutes": int(waited.total_seconds() // 60) if waited else 0,
        "target_minutes": settings.CLINIC_ESCALATION_MINUTES.get(submission.tier, ""),
    }


def attachments_for(notification: Notification) -> list[Attachment]:
    """Files sent with a message (none so far)."""
    return []


def render(notification: Notification) -> Rendered:
    """The message as it would be sent now, without sending it."""
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

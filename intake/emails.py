"""Rendering and delivering outbox messages. Bodies are built at send time from the database.

Staff alerts carry the reference, tier, top reason and an admin link, and nothing else about
the patient: email and SMS are not secure channels for clinical detail.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from intake.models import Notification


def context_for(notification: Notification) -> dict[str, object]:
    submission = notification.submission
    reasons = submission.reasons or []
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
    }


def deliver(notification: Notification) -> None:
    """Render `intake/email/<template>` (subject, text, HTML when present) and send it."""
    context = context_for(notification)
    base = f"intake/email/{notification.template}"
    subject = render_to_string(f"{base}_subject.txt", context).strip()
    body = render_to_string(f"{base}.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient],
    )
    message.send()

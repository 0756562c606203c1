"""Template tags for the staff admin's own pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from intake.selectors.outbox import notification_get_health
from intake.selectors.retention import RetentionStatus, retention_get_status

register = template.Library()


@register.simple_tag(takes_context=True)
def outbox_health(context: dict[str, Any]) -> dict[str, int] | None:
    """Failed and stuck notification counts, for staff allowed to see the outbox."""
    request = context.get("request")
    if request is None or not request.user.has_perm("intake.view_notification"):
        return None
    return notification_get_health()


@register.simple_tag(takes_context=True)
def retention_status(context: dict[str, Any]) -> RetentionStatus | None:
    """When the retention job last ran and what it removed, for staff who may read the audit
    log (clinic admins: data protection is theirs to oversee)."""
    request = context.get("request")
    if request is None or not request.user.has_perm("intake.view_auditevent"):
        return None
    return retention_get_status()


@register.simple_tag
def retention_removed(counts: dict[str, int]) -> str:
    """What a retention run removed, as a sentence: "removed 3 forms, 2 appointments and 1
    patient; blanked the recipients of 40 delivered messages; cleared 120 expired sessions;
    removed 0 audit events" (escaped by the template: no markup)."""

    def n(key: str) -> int:
        return int(counts.get(key, 0))

    forms = ngettext("%(n)s form", "%(n)s forms", n("submissions")) % {"n": n("submissions")}
    appointments = ngettext("%(n)s appointment", "%(n)s appointments", n("appointments")) % {
        "n": n("appointments")
    }
    patients = ngettext("%(n)s patient", "%(n)s patients", n("patients")) % {"n": n("patients")}
    messages = ngettext("%(n)s delivered message", "%(n)s delivered messages", n("messages")) % {
        "n": n("messages")
    }
    sessions = ngettext("%(n)s expired session", "%(n)s expired sessions", n("sessions")) % {
        "n": n("sessions")
    }
    audit = ngettext("%(n)s audit event", "%(n)s audit events", n("audit_events")) % {
        "n": n("audit_events")
    }
    return _(
        "removed %(forms)s, %(appointments)s and %(patients)s; blanked the recipients of "
        "%(messages)s; cleared %(sessions)s; removed %(audit)s"
    ) % {
        "forms": forms,
        "appointments": appointments,
        "patients": patients,
        "messages": messages,
        "sessions": sessions,
        "audit": audit,
    }

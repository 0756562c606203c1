"""Template tags for the staff admin's own pages."""

from __future__ import annotations

from typing import Any

from django import template

from intake.selectors.outbox import notification_get_health

register = template.Library()


@register.simple_tag(takes_context=True)
def outbox_health(context: dict[str, Any]) -> dict[str, int] | None:
    """Failed and stuck notification counts, for staff allowed to see the outbox."""
    request = context.get("request")
    if request is None or not request.user.has_perm("intake.view_notification"):
        return None
    return notification_get_health()

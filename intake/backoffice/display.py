"""Small pieces of staff-page display shared by the admin's columns and the workflow pages."""

from __future__ import annotations

import datetime as dt

from django.utils.html import format_html
from django.utils.translation import gettext as _

from intake.models import Tier


def tier_badge_html(tier: str) -> str:
    """The tier as a badge: colour and the tier's name in text (never colour alone)."""
    if not tier:
        return "—"
    return format_html('<span class="tier-badge tier-{}">{}</span>', tier.lower(), Tier(tier).label)


def rule_codes(codes: list[str]) -> str:
    """Rule codes on one line, or a dash for none."""
    return " ".join(codes) if codes else "—"


def humanise(delta: dt.timedelta) -> str:
    """A waiting time as staff say it: minutes, then hours and minutes, then days."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return _("%(d)d days") % {"d": hours // 24}

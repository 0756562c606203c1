"""Template context shared by every page: the clinic's name and its emergency advice."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def clinic(request: HttpRequest) -> dict[str, object]:
    return {
        "draft_days": settings.CLINIC_DRAFT_LIFETIME_DAYS,
        "clinic_name": settings.CLINIC_NAME,
        "emergency_number": settings.CLINIC_EMERGENCY_NUMBER,
        "urgent_advice_line": settings.CLINIC_URGENT_ADVICE_LINE,
    }

"""The printable day sheet: one day's appointments by clinician, for the clinic's desk.

The day view itself is the admin's appointment list (`intake/backoffice/admin/scheduling.py`):
a list with filters, which is what the admin is for. Both name patients, so both are audited;
the printed sheet as an export.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from intake.backoffice.audit import audit_staff
from intake.backoffice.forms import DaySheetForm
from intake.backoffice.permissions import allowed_if, may_see_diary
from intake.backoffice.views.base import admin_page
from intake.models import AuditEvent
from intake.scheduling.models import Appointment, Clinician
from intake.scheduling.selectors import appointment_list_for_day


@allowed_if(may_see_diary)
def day_sheet(request: HttpRequest) -> HttpResponse:
    """A printable list of one day's appointments, by clinician. Audited as an export."""
    form = DaySheetForm(request.GET)
    form.is_valid()  # never invalid: each value falls back to its default
    day, clinician = form.cleaned_data["day"], form.cleaned_data["clinician"]
    appointments = list(appointment_list_for_day(day, clinician=clinician))
    audit_staff(
        request,
        action=AuditEvent.Action.EXPORT,
        details={
            "day_sheet": day.isoformat(),
            "count": len(appointments),
            "submissions": [a.submission_id for a in appointments],
        },
        object_repr=_("Day sheet %(day)s") % {"day": day.isoformat()},
    )
    by_clinician: dict[Clinician, list[Appointment]] = {}
    for appointment in appointments:
        by_clinician.setdefault(appointment.clinician, []).append(appointment)
    response = admin_page(
        request,
        "admin/scheduling/appointment/day_sheet.html",
        {
            "title": _("Day sheet"),
            "day": day,
            "clinician": clinician,
            "by_clinician": list(by_clinician.items()),
            "printed_at": timezone.localtime(),
        },
    )
    response["Cache-Control"] = "no-store"
    return response

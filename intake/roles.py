"""Staff roles: the Django groups and the permissions each one has, defined here and only here.

Permissions are checked on the server (the admin and our views call `has_perm`), never only
hidden in templates. `intake.view_clinical_detail` guards answers, free text, scores and reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

TRIAGE_CLINICIAN = "Triage clinician"
RECEPTIONIST = "Receptionist"
CLINIC_ADMIN = "Clinic admin"

VIEW_CLINICAL_DETAIL = "intake.view_clinical_detail"
TRIAGE_SUBMISSION = "intake.triage_submission"
# Booking, moving and cancelling appointments (receptionists and triage clinicians).
BOOK_APPOINTMENT = "intake.add_appointment"
CHANGE_APPOINTMENT = "intake.change_appointment"

# Book, move and cancel, and see the diary's reference data (first granted by migration 0012).
_BOOKING = frozenset(
    {
        "intake.view_appointment",
        BOOK_APPOINTMENT,
        CHANGE_APPOINTMENT,
        "intake.view_slot",
        "intake.view_clinician",
        "intake.view_appointmenttype",
    }
)
# Clinic admins manage everything about scheduling.
_SCHEDULING_MODELS = (
    "clinician",
    "appointmenttype",
    "availabilityrule",
    "availabilityexception",
    "slot",
    "appointment",
)
_MANAGE_SCHEDULING = frozenset(
    f"intake.{action}_{model}"
    for model in _SCHEDULING_MODELS
    for action in ("view", "add", "change", "delete")
)

# Group name -> its permissions, as "app_label.codename" (what `has_perm` takes). A group has
# exactly these: `sync_roles` adds what is missing and removes anything else.
ROLES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        RECEPTIONIST: frozenset(
            {
                "intake.view_patient",
                "intake.change_patient",
                "intake.view_submission",
            }
        )
        | _BOOKING,
        TRIAGE_CLINICIAN: frozenset(
            {
                "intake.view_patient",
                "intake.view_submission",
                VIEW_CLINICAL_DETAIL,
                TRIAGE_SUBMISSION,
                "intake.view_submissionnote",
                "intake.add_submissionnote",
                "intake.view_notification",
            }
        )
        | _BOOKING,
        CLINIC_ADMIN: frozenset(
            {
                "intake.view_patient",
                "intake.change_patient",
                "intake.view_submission",
                VIEW_CLINICAL_DETAIL,
                TRIAGE_SUBMISSION,
                "intake.view_submissionnote",
                "intake.add_submissionnote",
                "intake.view_notification",
                "intake.change_notification",
                "intake.view_auditevent",
                "auth.view_user",
                "auth.add_user",
                "auth.change_user",
                "auth.view_group",
            }
        )
        | _MANAGE_SCHEDULING,
    }
)

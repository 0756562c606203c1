"""The staff workflows' URLs, under the admin site's (/admin/) and behind its login.

`ClinicAdminSite.get_urls` puts them before the admin's own, each wrapped in the site's
`admin_view` (login, CSRF, no caching). They live under the admin pages of the model each one
belongs to, so the breadcrumbs read true; their paths are the ones staff have always used.
Names are in the admin's namespace: reverse them as `admin:<name>`.

The sign-in pages (`account_urlpatterns`) are the exception: the steps before a session is
verified cannot be behind `admin_view`, which lets only verified sessions through. Each of those
views checks who may see it itself (intake/backoffice/views/account.py, methods.py); the
passkeys' JSON endpoints are in passkey_urls.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, path

from intake.backoffice.views import (
    account,
    booking,
    data_rights,
    diary,
    handover,
    methods,
    release,
    triage,
)
from intake.scheduling.models import Appointment

# Where the admin serves each model's pages ("<app_label>/<model_name>/").
SUBMISSIONS = "intake/submission/"
APPOINTMENTS = "scheduling/appointment/"
RULESET_CHANGES = "intake/rulesetchange/"

AdminView = Callable[[Callable[..., Any]], Callable[..., Any]]


def urlpatterns(admin_view: AdminView) -> list[URLPattern]:
    """Every workflow URL, each view wrapped by the admin site's `admin_view`."""
    case = SUBMISSIONS + "<int:submission_id>/workflow/"
    book = APPOINTMENTS + "book/<int:submission_id>/"
    appointment = APPOINTMENTS + "<int:appointment_id>/"
    attended, no_show = Appointment.Status.ATTENDED, Appointment.Status.NO_SHOW

    def route(url: str, view: Callable[..., Any], name: str) -> URLPattern:
        return path(url, admin_view(view), name=name)

    return [
        # The submission page's buttons (intake/backoffice/views/triage.py).
        route(case + "assign-to-me/", triage.AssignToMe.as_view(), "intake_submission_assign"),
        route(
            case + "start-review/", triage.StartReview.as_view(), "intake_submission_start_review"
        ),
        route(case + "triaged/", triage.MarkTriaged.as_view(), "intake_submission_mark_triaged"),
        route(
            case + "booking-guidance/",
            triage.SetBookingGuidance.as_view(),
            "intake_submission_booking_guidance",
        ),
        route(case + "refer/", triage.Refer.as_view(), "intake_submission_refer"),
        route(case + "close/", triage.Close.as_view(), "intake_submission_close"),
        route(case + "override/", triage.OverrideTier.as_view(), "intake_submission_override"),
        route(case + "note/", triage.AddNote.as_view(), "intake_submission_note"),
        route(
            case + "emergency-follow-up/",
            triage.RecordEmergencyFollowUp.as_view(),
            "intake_submission_emergency_follow_up",
        ),
        route(case + "rerun/", triage.RerunEngine.as_view(), "intake_submission_rerun"),
        # The case's handover downloads (views/handover.py): clinician summary and FHIR bundle.
        route(case + "summary.pdf", handover.summary_pdf, "intake_submission_summary_pdf"),
        route(case + "fhir.json", handover.fhir_bundle, "intake_submission_fhir_bundle"),
        # Booking, moving, cancelling, attendance (views/booking.py); the day sheet (diary.py).
        route(APPOINTMENTS + "day-sheet/", diary.day_sheet, "scheduling_appointment_day_sheet"),
        route(book, booking.Book.as_view(), "scheduling_appointment_book"),
        route(book + "escalate/", booking.Escalate.as_view(), "scheduling_appointment_escalate"),
        route(
            book + "emergency/",
            booking.RecordEmergencyDirection.as_view(),
            "scheduling_appointment_emergency",
        ),
        route(appointment + "move/", booking.Move.as_view(), "scheduling_appointment_move"),
        route(
            appointment + "do/cancel/", booking.Cancel.as_view(), "scheduling_appointment_cancel"
        ),
        route(
            appointment + "do/acknowledge-cancellation/",
            booking.AcknowledgeCancellation.as_view(),
            "scheduling_appointment_acknowledge_cancellation",
        ),
        route(
            appointment + f"do/{attended}/",
            booking.RecordAttendance.as_view(status=attended),
            "scheduling_appointment_attended",
        ),
        route(
            appointment + f"do/{no_show}/",
            booking.RecordAttendance.as_view(status=no_show),
            "scheduling_appointment_no_show",
        ),
        # A patient's data rights (views/data_rights.py): erasure, from the queue's action.
        route(
            SUBMISSIONS + "patient/<int:patient_id>/erase/",
            data_rights.ErasePatient.as_view(),
            "intake_patient_erase",
        ),
        # Ruleset changes (views/release.py).
        route(
            RULESET_CHANGES + "<int:change_id>/decide/<slug:decision>/",
            release.decide,
            "intake_rulesetchange_decide",
        ),
    ]


def account_urlpatterns(admin_view: AdminView) -> list[URLPattern]:
    """Staff sign-in (issue 17). Before the admin's own URLs: "logout/" replaces its own."""
    return [
        # Not behind admin_view: for a session that is signed in but not verified yet, or not
        # at all. Each checks the session itself.
        path("logout/", account.sign_out, name="logout"),
        path("login/second-factor/", account.SecondFactor.as_view(), name="staff_second_factor"),
        path("login/set-up/", methods.Enrol.as_view(), name="staff_enrol"),
        # Behind admin_view: a verified session only.
        path("account/keep-alive/", admin_view(account.keep_alive), name="staff_keep_alive"),
        path(
            "account/sign-in-methods/",
            admin_view(methods.sign_in_methods),
            name="staff_sign_in_methods",
        ),
        path(
            "account/sign-in-methods/remove/",
            admin_view(methods.device_remove),
            name="staff_device_remove",
        ),
        path(
            "account/backup-codes/",
            admin_view(methods.BackupCodes.as_view()),
            name="staff_backup_codes",
        ),
        path(
            "account/backup-codes/renew/",
            admin_view(methods.backup_codes_renew),
            name="staff_backup_codes_renew",
        ),
        path(
            "auth/user/<int:user_id>/reset-sign-in/",
            admin_view(methods.ResetSignIn.as_view()),
            name="auth_user_reset_sign_in",
        ),
    ]

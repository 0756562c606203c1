"""The staff workflows' URLs: the paths staff (and their emails and bookmarks) have always used,
served by the admin site's own views, not the admin's catch-all redirects."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import resolve, reverse

from intake.backoffice.sites import ClinicAdminSite

CASE = "/admin/intake/submission/7/"

PATHS = [
    # Staff alert emails link to the case page: this one must never change.
    ("intake_submission_change", [7], CASE + "change/"),
    ("intake_submission_assign", [7], CASE + "workflow/assign-to-me/"),
    ("intake_submission_start_review", [7], CASE + "workflow/start-review/"),
    ("intake_submission_mark_triaged", [7], CASE + "workflow/triaged/"),
    ("intake_submission_booking_guidance", [7], CASE + "workflow/booking-guidance/"),
    ("intake_submission_refer", [7], CASE + "workflow/refer/"),
    ("intake_submission_close", [7], CASE + "workflow/close/"),
    ("intake_submission_override", [7], CASE + "workflow/override/"),
    ("intake_submission_note", [7], CASE + "workflow/note/"),
    ("intake_submission_emergency_follow_up", [7], CASE + "workflow/emergency-follow-up/"),
    ("intake_submission_rerun", [7], CASE + "workflow/rerun/"),
    ("intake_submission_summary_pdf", [7], CASE + "workflow/summary.pdf"),
    ("intake_submission_fhir_bundle", [7], CASE + "workflow/fhir.json"),
    ("scheduling_appointment_day_sheet", [], "/admin/scheduling/appointment/day-sheet/"),
    ("scheduling_appointment_book", [7], "/admin/scheduling/appointment/book/7/"),
    ("scheduling_appointment_escalate", [7], "/admin/scheduling/appointment/book/7/escalate/"),
    ("scheduling_appointment_emergency", [7], "/admin/scheduling/appointment/book/7/emergency/"),
    ("scheduling_appointment_move", [3], "/admin/scheduling/appointment/3/move/"),
    ("scheduling_appointment_cancel", [3], "/admin/scheduling/appointment/3/do/cancel/"),
    (
        "scheduling_appointment_acknowledge_cancellation",
        [3],
        "/admin/scheduling/appointment/3/do/acknowledge-cancellation/",
    ),
    ("scheduling_appointment_attended", [3], "/admin/scheduling/appointment/3/do/attended/"),
    ("scheduling_appointment_no_show", [3], "/admin/scheduling/appointment/3/do/no_show/"),
    ("intake_rulesetchange_decide", [5, "accept"], "/admin/intake/rulesetchange/5/decide/accept/"),
    ("intake_patient_erase", [4], "/admin/intake/submission/patient/4/erase/"),
]


@pytest.mark.parametrize(("name", "args", "path"), PATHS)
def test_workflow_urls_keep_their_paths(name: str, args: list[object], path: str) -> None:
    assert reverse(f"admin:{name}", args=args) == path
    # Served by the named view: not taken by a model admin's catch-all before it.
    assert resolve(path).url_name == name


def test_the_admin_site_is_the_clinics() -> None:
    # Model registrations and workflow views share one site (ClinicAdminConfig's default_site).
    assert isinstance(admin.site, ClinicAdminSite)

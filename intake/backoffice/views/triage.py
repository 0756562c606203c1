"""The submission page's buttons: assign, review, triage (with the booking guidance for
reception), refer or close, override, note, emergency follow-up, re-run.

Each needs `intake.triage_submission` and the submission page's own permission (view or change
submissions), checked on the server. Each calls one service, which writes the audit entry; then
the staff member is back on the case page, at the section they acted in (its anchor), with a
message that says what changed ("Tier changed from Urgent to Soon."). A refused form (not
valid, or the service says no) is shown again as typed, with the reason, on a small page of its
own.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intake.backoffice.forms import (
    BookingGuidanceForm,
    FollowUpForm,
    NoteForm,
    OverrideTierForm,
    StatusReasonForm,
)
from intake.backoffice.permissions import may_triage
from intake.backoffice.views.base import Staff, StaffAction, admin_page, case_url
from intake.models import Submission, Tier
from intake.scheduling.models import BookingRequest
from intake.scheduling.services import requests
from intake.services import workflow

Status = Submission.Status

# The case page's sections, for the anchor each button brings the user back to.
ACTIONS = "case-actions"
NOTES = "case-notes"
BOOKING = "case-booking"


def status_label(status: str) -> str:
    return str(Status(status).label)


def tier_label(tier: str) -> str:
    return str(Tier(tier).label) if tier in Tier.values else "—"


def when(moment: Any) -> str:
    """A time as the case page shows it: "Fri 12 Dec 17:30"."""
    return formats.date_format(timezone.localtime(moment), "D j M H:i")


class SubmissionAction(StaffAction[Submission]):
    """A triage button on the submission page; back to the case page afterwards."""

    # With a form: its heading and button, to show it again if refused (as on the case page).
    heading: str | Promise = ""
    button: str | Promise = ""
    section: str = ACTIONS

    def permitted(self, request: HttpRequest) -> bool:
        return may_triage(request)

    def target(self, **kwargs: Any) -> Submission:
        return get_object_or_404(
            Submission.objects.select_related("assigned_to"), pk=kwargs["submission_id"]
        )

    def next_url(self, target: Submission) -> str:
        return f"{case_url(target)}#{self.section}"

    def refused(self, target: Submission, form: forms.Form) -> HttpResponse:
        # The form as typed, with its errors, not an empty one (the reason is in the messages).
        return admin_page(
            self.request,
            "admin/intake/submission/workflow_refused.html",
            {
                "title": _("%(action)s – %(case)s") % {"action": self.heading, "case": target},
                "opts": Submission._meta,
                "submission": target,
                "form": form,
                "heading": self.heading,
                "button": self.button,
                "back_url": self.next_url(target),
            },
        )


class AssignToMe(SubmissionAction):
    done = gettext_lazy("Assigned to you.")

    def act(self, target: Submission, data: dict[str, Any], by: Staff) -> str:
        before = target.assigned_to
        workflow.submission_assign(submission=target, assignee=by["actor"], **by)
        if before is None:
            return _("Assigned to you (it was not assigned).")
        return _("Assigned to you (it was assigned to %(name)s).") % {"name": before}


class StartReview(SubmissionAction):
    done = gettext_lazy("Marked in review.")

    def act(self, target: Submission, data: dict[str, Any], by: Staff) -> str:
        before = target.status
        workflow.submission_start_review(submission=target, **by)
        return _("Status changed from %(before)s to %(after)s.") % {
            "before": status_label(before),
            "after": status_label(Status.IN_REVIEW),
        }


def booking_said(request: BookingRequest) -> str:
    """What reception will see, in one sentence (the message after triage or guidance)."""
    kind = request.appointment_type or _("no appointment type recommended")
    if request.book_by is None:
        return _("Reception will see: %(kind)s.") % {"kind": kind}
    said = _("Reception will book: %(kind)s, by %(when)s.") % {
        "kind": kind,
        "when": when(request.book_by),
    }
    if request.window_closed_at is not None:
        said += " " + _(
            "The booking window closed at %(closed)s, too soon to book: it is extended to the "
            "next opening session."
        ) % {"closed": when(request.window_closed_at)}
    return said


class MarkTriaged(SubmissionAction):
    """Mark triaged, from in review or straight from submitted (the review is recorded), with
    the recommended appointment type and booking note for reception."""

    form_class = BookingGuidanceForm
    invalid = gettext_lazy("Keep the booking note to 200 characters or fewer.")
    heading = gettext_lazy("Mark triaged")
    button = gettext_lazy("Mark triaged")

    def act(self, target: Submission, data: dict[str, Any], by: Staff) -> str:
        before = target.status
        request = requests.submission_triage(
            submission=target,
            appointment_type=data.get("appointment_type"),
            note=data.get("note", ""),
            **by,
        )
        changed = _("Status changed from %(before)s to %(after)s.") % {
            "before": status_label(before),
            "after": status_label(Status.TRIAGED),
        }
        return f"{changed} {booking_said(request)}"


class SetBookingGuidance(SubmissionAction):
    """Change the recommended type and booking note of a triaged case; also the clinicians'
    answer to reception's "no slot inside the window"."""

    form_class = BookingGuidanceForm
    invalid = gettext_lazy("Keep the booking note to 200 characters or fewer.")
    heading = gettext_lazy("Booking guidance for reception")
    button = gettext_lazy("Save the booking guidance")
    section = BOOKING

    def act(self, target: Submission, data: dict[str, Any], by: Staff) -> str:
        answered = BookingRequest.objects.filter(
            submission=target, needs_slot_since__isnull=False
        ).exists()
        request = requests.bookingrequest_set_guidance(
            submission=target,
            appointment_type=data.get("appointment_type"),
            note=data.get("note", ""),
            **by,
        )
        said = _("Booking guidance saved.") + " " + booking_said(request)
        if answered:
            said += " " + _("Reception's request for a slot is answered: it left the queue.")
        return said


class SetStatus(SubmissionAction):
    """Refer elsewhere or close, with a reason (kept as a note)."""

    status: str = ""
    done = gettext_lazy("Status changed.")

    def act(self, target: Submission, data: dict[str, Any], by: Staff) -> str:
        before = target.status
        workflow.submission_set_status(
            submission=target, status=self.status, reason=str(data.get("reason", "")), **by
        )
        return _("Status changed from %(before)s to %(after)s.") % {
            "before": status_label(before),
            "after": status_label(self.status),
        }


class Refer(SetStatus):
    status = Status.REFERRED
    form_class = StatusReasonForm
    heading = gettext_lazy("Refer elsewhere or close")
    button = gettext_lazy("Refer elsewhere")


class Close(Refer):
    status = Status.CLOSED
    button = gettext_lazy("Close")


class OverrideTier(SubmissionAction):
    form_class = OverrideTierForm
    invalid = gettext_lazy("Choose a tier and give a reason.")
    done = gettext_lazy("Tier changed; the engine's tier is kept beside it.")
    heading = gettext_lazy("Change the tier")
    button = gettext_lazy("Change tier")

    def act(self, target: Submission, data: dict[str, Any], by: Staff) -> str:
        before = target.tier
        requests.submission_override_tier(
            submission=target, tier=data["tier"], reason=data["reason"], **by
        )
        return _(
            "Tier changed from %(before)s to %(after)s; the engine's tier is kept beside it."
        ) % {"before": tier_label(before), "after": tier_label(data["tier"])}


class AddNote(SubmissionAction):
    form_class = NoteForm
    invalid = gettext_lazy("Write a note first (5,000 characters at most).")
    done = gettext_lazy("Note added.")
    heading = gettext_lazy("Add a note")
    button = gettext_lazy("Add note")
    section = NOTES

    def act(self, target: Submission, data: dict[str, Any], by: Staff) -> None:
        workflow.submission_add_note(submission=target, text=data["text"], **by)


class RecordEmergencyFollowUp(SubmissionAction):
    """What was done about the emergency advice shown mid-form; takes the draft off the queue."""

    form_class = FollowUpForm
    invalid = gettext_lazy("Write down what was done (2,000 characters at most).")
    done = gettext_lazy("Recorded. The unfinished form has left the queue.")
    heading = gettext_lazy("Record what was done about the emergency advice")
    button = gettext_lazy("Record and take off the queue")

    def act(self, target: Submission, data: dict[str, Any], by: Staff) -> None:
        workflow.submission_record_emergency_follow_up(submission=target, text=data["text"], **by)


class RerunEngine(SubmissionAction):
    done = gettext_lazy("Triage re-run with the current ruleset.")

    def act(self, target: Submission, data: dict[str, Any], by: Staff) -> str:
        before = target.tier
        after = requests.submission_rerun_engine(submission=target, **by)
        if after.tier == before:
            return _("Triage re-run with ruleset %(version)s: the tier is still %(tier)s.") % {
                "version": after.ruleset_version,
                "tier": tier_label(after.tier),
            }
        return _(
            "Triage re-run with ruleset %(version)s: tier changed from %(before)s to %(after)s."
        ) % {
            "version": after.ruleset_version,
            "before": tier_label(before),
            "after": tier_label(after.tier),
        }

"""The submission page's buttons: assign, review, triage, refer or close, override, note,
emergency follow-up, re-run.

Each needs `intake.triage_submission` and the submission page's own permission (view or change
submissions), checked on the server. Each calls one service, which writes the audit entry; then
the staff member is back on the case page with a message. A refused form (not valid, or the
service says no) is shown again as typed, with the reason, on a small page of its own.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intake.backoffice.forms import FollowUpForm, NoteForm, OverrideTierForm, StatusReasonForm
from intake.backoffice.permissions import may_triage
from intake.backoffice.views.base import Staff, StaffAction, admin_page, case_url
from intake.models import Submission
from intake.services import workflow

Status = Submission.Status


class SubmissionAction(StaffAction[Submission]):
    """A triage button on the submission page; back to the case page afterwards."""

    # With a form: its heading and button, to show it again if refused (as on the case page).
    heading: str | Promise = ""
    button: str | Promise = ""

    def permitted(self, request: HttpRequest) -> bool:
        return may_triage(request)

    def target(self, **kwargs: Any) -> Submission:
        return get_object_or_404(Submission, pk=kwargs["submission_id"])

    def next_url(self, target: Submission) -> str:
        return case_url(target)

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
            },
        )


class AssignToMe(SubmissionAction):
    done = gettext_lazy("Assigned to you.")

    def act(self, target: Submission, data: dict[str, Any], by: Staff) -> None:
        workflow.submission_assign(submission=target, assignee=by["actor"], **by)


class StartReview(SubmissionAction):
    done = gettext_lazy("Marked in review.")

    def act(self, target: Submission, data: dict[str, Any], by: Staff) -> None:
        workflow.submission_start_review(submission=target, **by)


class SetStatus(SubmissionAction):
    """Mark triaged; refer elsewhere or close, with a reason (kept as a note)."""

    status: str = ""
    done = gettext_lazy("Status changed.")

    def act(self, target: Submission, data: dict[str, Any], by: Staff) -> None:
        workflow.submission_set_status(
            submission=target, status=self.status, reason=str(data.get("reason", "")), **by
        )


class MarkTriaged(SetStatus):
    status = Status.TRIAGED


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

    def act(self, target: Submission, data: dict[str, Any], by: Staff) -> None:
        workflow.submission_override_tier(
            submission=target, tier=data["tier"], reason=data["reason"], **by
        )


class AddNote(SubmissionAction):
    form_class = NoteForm
    invalid = gettext_lazy("Write a note first (5,000 characters at most).")
    done = gettext_lazy("Note added.")
    heading = gettext_lazy("Add a note")
    button = gettext_lazy("Add note")

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

    def act(self, target: Submission, data: dict[str, Any], by: Staff) -> None:
        workflow.submission_rerun_engine(submission=target, **by)

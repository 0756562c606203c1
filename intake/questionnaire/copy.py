"""The patient's own copy of their answers (issue 21): a PDF offered on the confirmation page.

Only in the browser that sent the form: the same check as every page of the form (`draft_view`:
the signed drafts cookie must hold the form's token; anywhere else, 404 for a sent form).
Their answers as they read them on the form, and what they were told; nothing written for staff.
Audited as an export by the patient; never cached.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from intake.handover import pdf
from intake.http import client_address
from intake.models import AuditEvent, Submission
from intake.questionnaire.views import draft_view
from intake.services import audit


@require_GET
@draft_view
def answers_pdf(request: HttpRequest, submission: Submission) -> HttpResponse:
    """GET /intake/<token>/your-answers.pdf: the sent form's answers as a PDF."""
    if submission.is_draft:
        return redirect("intake:check", token=submission.token)
    body = pdf.patient_copy(submission)
    audit.audit_record(
        actor=audit.PATIENT,
        action=AuditEvent.Action.EXPORT,
        submission=submission,
        details={"format": "patient_copy_pdf"},
        ip_address=client_address(request) or None,
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{submission.reference}-answers.pdf"'
    return response

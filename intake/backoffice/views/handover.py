"""The case page's downloads (issue 21): the clinician's summary as a PDF, and the case's FHIR
resources as a Bundle, for staff who may see clinical detail. Each download is audited as an
export; neither is ever e-mailed. Sent forms only (a draft has no reference or stored triage).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from intake.backoffice.audit import audit_staff
from intake.backoffice.permissions import allowed_if, may_download_handover, staff_member
from intake.handover import pdf, selectors
from intake.handover.export import case_bundle
from intake.handover.fhir import systems
from intake.models import AuditEvent, Submission


def _sent(submission_id: int) -> Submission:
    submission = selectors.submission_get_sent(submission_id=submission_id)
    if submission is None:
        raise Http404
    return submission


def _download(body: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@allowed_if(may_download_handover)
def summary_pdf(request: HttpRequest, submission_id: int) -> HttpResponse:
    """The clinician's one-page summary of the case (PDF)."""
    submission = _sent(submission_id)
    user = staff_member(request)
    body = pdf.clinician_summary(
        submission,
        appointments=selectors.appointment_list_for_case(submission),
        printed_by=user.get_full_name() or user.get_username(),
    )
    audit_staff(
        request,
        action=AuditEvent.Action.EXPORT,
        submission=submission,
        details={"format": "clinician_summary_pdf"},
    )
    return _download(
        body, content_type="application/pdf", filename=f"{submission.reference}-summary.pdf"
    )


@require_GET
@allowed_if(may_download_handover)
def fhir_bundle(request: HttpRequest, submission_id: int) -> HttpResponse:
    """The case's FHIR resources: a Bundle of type collection (JSON)."""
    submission = _sent(submission_id)
    bundle = case_bundle(submission)
    audit_staff(
        request,
        action=AuditEvent.Action.EXPORT,
        submission=submission,
        details={"format": "fhir_bundle"},
        object_repr=_("FHIR bundle of %(reference)s") % {"reference": submission.reference},
    )
    return _download(
        bundle.model_dump_json(indent=2).encode(),
        content_type=f"{systems.CONTENT_TYPE}; charset=utf-8",
        filename=f"{submission.reference}-fhir.json",
    )

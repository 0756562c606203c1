"""A case's FHIR Bundle (type collection): what `manage.py fhir_export` prints and the case
page's download gives. The caller audits it."""

from __future__ import annotations

from fhir.resources.R4B.bundle import Bundle

from intake.handover import selectors
from intake.handover.fhir import bundles, resources
from intake.models import Submission


def case_bundle(submission: Submission) -> Bundle:
    """Patient, QuestionnaireResponse, RiskAssessment, and each appointment with its Slot and
    Schedule, of one sent form."""
    appointments = selectors.appointment_list_for_case(submission)
    return bundles.collection(resources.case_resources(submission, appointments))

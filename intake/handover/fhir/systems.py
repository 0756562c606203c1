"""The URLs FHIR resources name: this clinic's canonical definitions, code and identifier systems.

Canonical URLs start with CLINIC_FHIR_CANONICAL_BASE (default: the site's address + /fhir),
which the clinic sets once and never changes: other systems keep them with every record. The
API's own address (Bundle entries' `fullUrl`, paging links) is CLINIC_SITE_URL + /fhir/r4.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

# The FHIR version this app speaks (CapabilityStatement.fhirVersion).
FHIR_VERSION = "4.0.1"
CONTENT_TYPE = "application/fhir+json"

QUESTIONNAIRE_NAME = "leg-intake"

# Code systems of this clinic (docs/integration.md, "Code systems").
ANSWERS = "leg-intake-answers"  # the stored choice codes: "yes", "not_sure", "calf", ...
QUESTIONS = "leg-intake-questions"  # the catalogue's question codes (also each item's linkId)
TIERS = "leg-intake-tier"  # EMERGENCY, URGENT, SOON, ROUTINE
RULES = "leg-intake-rule"  # the triage rule codes: EMG_PE, URG_DVT, ...
RULESETS = "leg-intake-ruleset"  # ruleset versions: 2026.2, ...
SCORES = "leg-intake-score"  # p_wells, ecq_class, dn4i, ...
ASSESSMENT = "leg-intake-assessment"  # RiskAssessment.code and the triage-tier prediction

# Identifier systems of this clinic.
REFERENCE_IDS = "reference"  # the form's reference, LEG-XXXX-XXXX
PATIENT_IDS = "patient"  # this system's patient number
CLINICIAN_IDS = "clinician"  # this system's clinician number

# Systems defined elsewhere.
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
OPTION_EXCLUSIVE = "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"


def canonical_base() -> str:
    return str(settings.CLINIC_FHIR_CANONICAL_BASE).rstrip("/")


def code_system(name: str) -> str:
    """The URL of one of this clinic's code systems."""
    return f"{canonical_base()}/CodeSystem/{name}"


def identifier_system(name: str) -> str:
    """The URL of one of this clinic's identifier systems."""
    return f"{canonical_base()}/identifier/{name}"


def questionnaire_url() -> str:
    """The Questionnaire's canonical URL (its versions share it; `|version` picks one)."""
    return f"{canonical_base()}/Questionnaire/{QUESTIONNAIRE_NAME}"


def questionnaire_id(version: str) -> str:
    """The Questionnaire's id on this server for a ruleset version: leg-intake-2026.2."""
    return f"{QUESTIONNAIRE_NAME}-{version}"


def api_base() -> str:
    """Where the FHIR API answers (no trailing slash)."""
    return f"{settings.CLINIC_SITE_URL}/fhir/r4"


def full_url(resource_type: str, resource_id: object) -> str:
    return f"{api_base()}/{resource_type}/{resource_id}"


def coding(system_name: str, code: str, display: str | None = None) -> dict[str, Any]:
    """A Coding in one of this clinic's code systems."""
    found: dict[str, Any] = {"system": code_system(system_name), "code": code}
    if display:
        found["display"] = display
    return found


def instant(moment: dt.datetime) -> str:
    """A FHIR instant in UTC, written as fhir.resources writes it (…Z), microseconds kept."""
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def local_date(moment: dt.datetime) -> str:
    return timezone.localtime(moment).date().isoformat()

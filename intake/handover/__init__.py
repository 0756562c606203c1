"""Handover to the clinic's record (issue 21): what leaves this system for the clinic's own.

- `fhir/`: the FHIR R4 resources of a case (Questionnaire from the catalogue,
  QuestionnaireResponse, Patient, RiskAssessment, Appointment, Slot, Schedule), built and
  validated with `fhir.resources`, and the Bundles, OperationOutcomes and CapabilityStatement
  that carry them;
- `api.py`, `urls.py`: the read-only FHIR API under /fhir/r4/, for API clients (`ApiClient`,
  created by a clinic admin in the admin) with a bearer token;
- `pdf.py`: the clinician's one-page summary and the patient's own copy of their answers;
- `management/commands/fhir_export.py`: a case's resources as a Bundle, on the command line.

An app of its own (label `handover`) below the two audiences' apps and above scheduling: the
staff pages (downloads from the case page, the API clients' admin) and the patient pages (the
copy of their answers) import it; it imports neither. docs/integration.md describes the API.
"""

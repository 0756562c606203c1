"""The FHIR R4 resources of a case, built with fhir.resources (its R4B models: see
docs/integration.md, "Versions", for why R4B's models make R4 resources here).

- `systems`: the canonical URLs of this clinic's definitions, code and identifier systems;
- `questionnaire`: the Questionnaire, from the question catalogue;
- `resources`: QuestionnaireResponse, Patient, RiskAssessment, Appointment, Slot, Schedule;
- `bundles`: Bundles, OperationOutcomes and the CapabilityStatement.

Every builder returns a fhir.resources object: the data is validated as it is built.
"""

"""A case's FHIR resources: QuestionnaireResponse, Patient, RiskAssessment, Appointment, Slot,
Schedule. Each builder takes rows the caller loaded (see intake/handover/selectors.py for the
joins each needs) and returns a validated fhir.resources object. No queries here.

Texts (question wording, answer labels, tier names) are in the clinic's language
(LANGUAGE_CODE), whatever the request's: a record system files them as they come.
Ids: the QuestionnaireResponse and the RiskAssessment of a form are both its reference
(LEG-XXXX-XXXX); the others are this system's row numbers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.riskassessment import RiskAssessment
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.slot import Slot as FhirSlot

from intake import triage
from intake.handover import scores
from intake.handover.fhir import systems
from intake.handover.fhir.questionnaire import answer_value
from intake.models import ContactMethod, Patient, Submission, Tier
from intake.scheduling.models import Appointment, Clinician, Slot

APPOINTMENT_STATUS = {
    Appointment.Status.BOOKED: "booked",
    Appointment.Status.CANCELLED: "cancelled",
    Appointment.Status.ATTENDED: "fulfilled",
    Appointment.Status.NO_SHOW: "noshow",
}


@contextmanager
def clinic_language() -> Iterator[None]:
    with translation.override(settings.LANGUAGE_CODE):
        yield


def _reference(resource_type: str, resource_id: object, display: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        found["display"] = display
    return found


def patient_reference(submission: Submission) -> dict[str, Any]:
    return _reference("Patient", submission.patient_id)


def _meta(moment: Any) -> dict[str, Any]:
    return {"lastUpdated": systems.instant(moment)} if moment else {}


def _reference_identifier(submission: Submission) -> dict[str, Any]:
    return {
        "system": systems.identifier_system(systems.REFERENCE_IDS),
        "value": submission.reference,
    }


def _tier(tier: str) -> dict[str, Any]:
    return {"coding": [systems.coding(systems.TIERS, tier, str(Tier(tier).label))]}


# --- QuestionnaireResponse ----------------------------------------------------------------------


def _answers(question: triage.Question, value: object) -> list[dict[str, Any]]:
    """The item's answers: one per ticked choice, one otherwise; none for a blank."""
    values = value if isinstance(value, list) else [value]
    found = []
    for each in values:
        if each is None or each == "":
            continue
        if question.type in (triage.AnswerType.NUMBER, triage.AnswerType.SCALE_0_10) and (
            isinstance(each, bool) or not isinstance(each, int)
        ):
            continue  # not a whole number: nothing the Questionnaire allows
        [(kind, answer)] = answer_value(question, each).items()
        found.append({f"value{kind}": answer})
    return found


def response_items(answers: Mapping[str, object]) -> list[dict[str, Any]]:
    """The answered questions the patient was shown, grouped by page as the Questionnaire is.

    Hidden questions are left out even if a value was kept for them (the engine ignores those
    too), so every item is one its enableWhen allows."""
    shown = set(triage.visible_codes(answers))
    groups = []
    for step in triage.STEPS:
        items = []
        for question in triage.questions_for_step(step.code):
            if question.code not in shown:
                continue
            given = _answers(question, answers.get(question.code))
            if given:
                items.append(
                    {"linkId": question.code, "text": gettext(question.text), "answer": given}
                )
        if items:
            groups.append({"linkId": step.code, "text": gettext(step.title), "item": items})
    return groups


def questionnaire_response(submission: Submission) -> QuestionnaireResponse:
    """The sent form's answers: choices as Codings (leg-intake-answers), numbers as integers,
    free text as strings."""
    version = submission.ruleset_version or triage.RULESET_VERSION
    with clinic_language():
        data = {
            "resourceType": "QuestionnaireResponse",
            "id": submission.reference,
            "meta": _meta(submission.updated_at),
            "identifier": _reference_identifier(submission),
            "questionnaire": f"{systems.questionnaire_url()}|{version}",
            "status": "completed",
            "subject": patient_reference(submission),
            "authored": systems.instant(submission.submitted_at)
            if submission.submitted_at
            else None,
            "item": response_items(submission.answers or {}),
        }
        if (submission.answers or {}).get("completed_by") == "self":
            data["source"] = patient_reference(submission)
        return QuestionnaireResponse.model_validate(_without_none(data))


# --- Patient ------------------------------------------------------------------------------------


def patient(row: Patient) -> FhirPatient:
    """Identity and contact details, as the patient gave them on their last form. The name is
    one text (the form asks for it whole). Sex at birth is an answer of the form
    (QuestionnaireResponse, `sex_at_birth`), not FHIR's administrative gender: not mapped."""
    preferred = row.preferred_contact
    telecom = []
    if row.phone:
        telecom.append(
            {
                "system": "sms" if preferred == ContactMethod.TEXT else "phone",
                "value": row.phone,
                "use": "mobile",
                **({"rank": 1} if preferred in (ContactMethod.PHONE, ContactMethod.TEXT) else {}),
            }
        )
    if row.email:
        telecom.append(
            {
                "system": "email",
                "value": row.email,
                **({"rank": 1} if preferred == ContactMethod.EMAIL else {}),
            }
        )
    identifiers = [{"system": systems.identifier_system(systems.PATIENT_IDS), "value": str(row.pk)}]
    if row.nhs_number:
        identifiers.insert(0, {"system": systems.NHS_NUMBER, "value": row.nhs_number})
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(row.pk),
        "meta": _meta(row.updated_at),
        "identifier": identifiers,
        "active": True,
        "name": [{"text": row.full_name}],
        "telecom": telecom,
        "birthDate": row.date_of_birth.isoformat(),
    }
    if row.gp_practice:
        data["generalPractitioner"] = [{"display": row.gp_practice}]
    return FhirPatient.model_validate(data)


# --- RiskAssessment -----------------------------------------------------------------------------


def _score_value(value: Any) -> dict[str, Any]:
    if value is None:
        return {
            "dataAbsentReason": {
                "coding": [{"system": systems.DATA_ABSENT_REASON, "code": "unknown"}]
            }
        }
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if isinstance(value, float):
        return {"valueQuantity": {"value": value, "unit": "points"}}
    return {"valueString": str(value)}


def _score_id(key: str) -> str:
    return "score-" + key.replace("_", "-")


def _observation(
    submission: Submission, key: str, label: str, value: dict[str, Any]
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": _score_id(key),
        "status": "final",
        "code": {"coding": [systems.coding(systems.SCORES, key, label)], "text": label},
        "subject": patient_reference(submission),
        **value,
    }


def score_observations(submission: Submission) -> list[dict[str, Any]]:
    """Each score as an Observation (contained in the RiskAssessment), PE-Wells with its items
    as components: an item that cannot be patient-reported is absent ("not-asked")."""
    stored = submission.scores or {}
    found = [
        _observation(submission, key, label, _score_value(value))
        for key, label, value in scores.score_rows(stored)
    ]
    pe_wells = stored.get(scores.PE_WELLS)
    if isinstance(pe_wells, dict):
        label = str(scores.PE_WELLS_LABEL)
        components = []
        for item, item_label, points in scores.pe_wells_rows(pe_wells):
            code: dict[str, Any] = {
                "coding": [systems.coding(systems.SCORES, f"pe_wells.{item}", item_label)]
            }
            if points is None:
                absent = {"coding": [{"system": systems.DATA_ABSENT_REASON, "code": "not-asked"}]}
                components.append({"code": code, "dataAbsentReason": absent})
            else:
                components.append(
                    {"code": code, "valueQuantity": {"value": points, "unit": "points"}}
                )
        total = {"valueQuantity": {"value": pe_wells.get("partial_total", 0), "unit": "points"}}
        observation = _observation(submission, scores.PE_WELLS, label, total)
        observation["component"] = components
        found.append(observation)
    return found


def _tier_predictions(submission: Submission) -> list[dict[str, Any]]:
    """The tier staff work to, then (if a clinician changed it) the engine's."""
    tier_outcome = systems.coding(systems.ASSESSMENT, "triage-tier", gettext("Triage tier"))
    found: list[dict[str, Any]] = []
    if submission.overridden_at:
        rationale = gettext("Changed by staff from %(engine)s: %(reason)s") % {
            "engine": Tier(submission.engine_tier).label if submission.engine_tier else "?",
            "reason": submission.override_reason,
        }
    else:
        rationale = gettext("The triage engine's tier.")
    found.append(
        {
            "outcome": {"coding": [tier_outcome]},
            "qualitativeRisk": _tier(submission.tier),
            "rationale": rationale,
        }
    )
    if submission.overridden_at and submission.engine_tier:
        engine = systems.coding(systems.ASSESSMENT, "engine-tier", gettext("Engine's tier"))
        found.append(
            {
                "outcome": {"coding": [engine]},
                "qualitativeRisk": _tier(submission.engine_tier),
                "rationale": gettext("The triage engine's tier, before the change."),
            }
        )
    return found


def _rule_predictions(reasons: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One prediction per fired rule: its code, its tier, and its reason with its source."""
    found = []
    for reason in reasons:
        code = str(reason.get("code", ""))
        tier = str(reason.get("tier", ""))
        source = str(reason.get("source", ""))
        rationale = str(reason.get("staff_reason", ""))
        if source:
            rationale += " " + gettext("Source: %(source)s") % {"source": source}
        prediction: dict[str, Any] = {
            "outcome": {"coding": [systems.coding(systems.RULES, code, code)]},
            "rationale": rationale,
        }
        if tier in Tier.values:
            prediction["qualitativeRisk"] = _tier(tier)
        found.append(prediction)
    return found


def _notes(submission: Submission) -> list[dict[str, Any]]:
    notes = []
    not_sure = (submission.scores or {}).get("not_sure") or []
    if not_sure:
        texts = [
            gettext(triage.QUESTIONS_BY_CODE[code].text)
            for code in not_sure
            if code in triage.QUESTIONS_BY_CODE
        ]
        notes.append(
            gettext("Answered 'not sure' (counted as yes): %(questions)s")
            % {"questions": " | ".join(texts)}
        )
    if submission.interruption_shown_at:
        notes.append(
            gettext("Emergency advice was shown while filling in the form at %(when)s (%(rules)s).")
            % {
                "when": systems.instant(submission.interruption_shown_at),
                "rules": ", ".join(submission.interrupted_rules or []),
            }
        )
    return [{"text": text} for text in notes]


def risk_assessment(submission: Submission) -> RiskAssessment:
    """The triage: the tier (and the engine's, if a clinician changed it, with the reason), every
    fired rule with its reason and source, and the scores as contained Observations."""
    with clinic_language():
        observations = score_observations(submission)
        data = {
            "resourceType": "RiskAssessment",
            "id": submission.reference,
            "meta": _meta(submission.updated_at),
            "identifier": [_reference_identifier(submission)],
            "contained": observations,
            "status": "amended" if submission.overridden_at else "final",
            "method": {
                "coding": [
                    systems.coding(
                        systems.RULESETS,
                        submission.ruleset_version or triage.RULESET_VERSION,
                        gettext("Triage ruleset %(version)s")
                        % {"version": submission.ruleset_version or triage.RULESET_VERSION},
                    )
                ]
            },
            "code": {
                "coding": [
                    systems.coding(
                        systems.ASSESSMENT, "leg-intake-triage", gettext("Leg problem triage")
                    )
                ]
            },
            "subject": patient_reference(submission),
            "occurrenceDateTime": (
                systems.instant(submission.submitted_at) if submission.submitted_at else None
            ),
            "basis": [
                _reference("QuestionnaireResponse", submission.reference),
                *({"reference": f"#{o['id']}"} for o in observations),
            ],
            "prediction": _tier_predictions(submission) + _rule_predictions(submission.reasons),
            "note": _notes(submission) or None,
        }
        return RiskAssessment.model_validate(_without_none(data))


# --- Appointment, Slot, Schedule ----------------------------------------------------------------


def _clinician(clinician: Clinician) -> dict[str, Any]:
    return {
        "identifier": {
            "system": systems.identifier_system(systems.CLINICIAN_IDS),
            "value": str(clinician.pk),
        },
        "display": clinician.name,
    }


def appointment(row: Appointment) -> FhirAppointment:
    """A booking. Needs `submission__patient`, `clinician` and `slot__appointment_type` loaded."""
    submission = row.submission
    kind = row.slot.appointment_type
    patient_status = (
        "declined"
        if row.status == Appointment.Status.CANCELLED and row.cancelled_by_patient
        else "accepted"
    )
    with clinic_language():
        data: dict[str, Any] = {
            "resourceType": "Appointment",
            "id": str(row.pk),
            "meta": _meta(row.updated_at),
            "status": APPOINTMENT_STATUS[Appointment.Status(row.status)],
            "serviceType": [{"text": kind.name}],
            "description": ", ".join(filter(None, [kind.name, row.clinician.name, kind.location])),
            "supportingInformation": [
                _reference("QuestionnaireResponse", submission.reference),
                _reference("RiskAssessment", submission.reference),
            ],
            "start": systems.instant(row.starts_at),
            "end": systems.instant(row.ends_at),
            "minutesDuration": int((row.ends_at - row.starts_at).total_seconds() // 60),
            "slot": [_reference("Slot", row.slot_id)],
            "created": systems.instant(row.booked_at),
            "participant": [
                {
                    "actor": _reference(
                        "Patient",
                        submission.patient_id,
                        submission.patient.full_name if submission.patient else "",
                    ),
                    "required": "required",
                    "status": patient_status,
                },
                {
                    "type": [
                        {
                            "coding": [
                                {
                                    "system": systems.PARTICIPATION_TYPE,
                                    "code": "PPRF",
                                    "display": "primary performer",
                                }
                            ]
                        }
                    ],
                    "actor": _clinician(row.clinician),
                    "required": "required",
                    "status": "accepted",
                },
            ],
        }
        if row.status == Appointment.Status.CANCELLED and row.cancel_reason:
            data["cancelationReason"] = {"text": row.cancel_reason}
        return FhirAppointment.model_validate(data)


def slot(row: Slot, *, busy: bool) -> FhirSlot:
    """A bookable time: busy while an appointment that is not cancelled holds it. Needs
    `appointment_type` loaded."""
    return FhirSlot.model_validate(
        {
            "resourceType": "Slot",
            "id": str(row.pk),
            "serviceType": [{"text": row.appointment_type.name}],
            "schedule": _reference("Schedule", row.clinician_id),
            "status": "busy" if busy else "free",
            "start": systems.instant(row.start),
            "end": systems.instant(row.end),
        }
    )


def schedule(row: Clinician) -> Schedule:
    """A clinician's diary: one Schedule per clinician, its slots point to it."""
    with clinic_language():
        return Schedule.model_validate(
            {
                "resourceType": "Schedule",
                "id": str(row.pk),
                "active": row.active,
                "actor": [_clinician(row)],
                "comment": str(row.get_role_display()),
            }
        )


def case_resources(submission: Submission, appointments: Sequence[Appointment]) -> list[Resource]:
    """Everything of one sent form: its Patient, QuestionnaireResponse and RiskAssessment, and
    each of its appointments with its Slot and Schedule (each Schedule once)."""
    found: list[Resource] = []
    if submission.patient is not None:
        found.append(patient(submission.patient))
    found += [questionnaire_response(submission), risk_assessment(submission)]
    clinicians: dict[int, Clinician] = {}
    for row in appointments:
        found.append(appointment(row))
        found.append(slot(row.slot, busy=bool(getattr(row, "slot_busy", row.is_active))))
        clinicians.setdefault(row.clinician_id, row.clinician)
    found += [schedule(clinician) for clinician in clinicians.values()]
    return found


def _without_none(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}

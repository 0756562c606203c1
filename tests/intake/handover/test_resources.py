"""A case's FHIR resources: each validates with fhir.resources (and survives a round trip), each
QuestionnaireResponse answer is an item of the Questionnaire and one of its options, the
RiskAssessment carries the tier, the fired rules and the scores, and appointments come with
their Slot and Schedule.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Mapping
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, given, settings

from intake.demo import demo_cases
from intake.handover import selectors
from intake.handover.export import case_bundle
from intake.handover.fhir import resources, systems
from intake.models import AuditEvent, Submission
from intake.scheduling.services import booking
from intake.services import workflow
from tests.factories import PatientFactory, TriagedSubmissionFactory
from tests.intake.backoffice.staff import slot_in
from tests.intake.handover.conftest import EMERGENCY, case_from, demo_case
from tests.intake.handover.test_questionnaire import items_by_link_id, questionnaire_json
from tests.intake.triage.helpers import valid_answers

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def round_trip(resource: Any) -> dict[str, Any]:
    """The resource as JSON, parsed again by fhir.resources into the same thing."""
    data: dict[str, Any] = json.loads(resource.model_dump_json())
    again = get_fhir_model_class(data["resourceType"]).model_validate(data)
    assert json.loads(again.model_dump_json()) == data
    return data


def bundle_of(submission: Submission) -> dict[str, Any]:
    sent = selectors.submission_get_sent(submission_id=submission.pk)
    assert sent is not None
    data = round_trip(case_bundle(sent))
    for entry in data["entry"]:
        resource = entry["resource"]
        round_trip(get_fhir_model_class(resource["resourceType"]).model_validate(resource))
        assert entry["fullUrl"] == systems.full_url(resource["resourceType"], resource["id"])
    return data


def by_type(bundle: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        found.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return found


def check_answers_against_the_questionnaire(response: Mapping[str, Any]) -> int:
    """Every answer is an item of the Questionnaire, on the same page, and one of its options
    (or of its type, within its bounds). Returns how many answers were checked."""
    items = items_by_link_id(questionnaire_json())
    checked = 0
    for group in response["item"]:
        assert items[group["linkId"]]["type"] == "group"
        page_items = {item["linkId"] for item in items[group["linkId"]]["item"]}
        for answered in group["item"]:
            item = items[answered["linkId"]]
            assert answered["linkId"] in page_items
            assert answered["text"] == item["text"]
            assert len(answered["answer"]) == 1 or item.get("repeats")
            for answer in answered["answer"]:
                checked += 1
                [(kind, value)] = answer.items()
                if item["type"] == "choice":
                    options = [o["valueCoding"] for o in item["answerOption"]]
                    assert kind == "valueCoding"
                    assert (value["system"], value["code"]) in {
                        (o["system"], o["code"]) for o in options
                    }
                elif item["type"] == "integer":
                    assert kind == "valueInteger"
                    bounds = {e["url"]: e["valueInteger"] for e in item.get("extension", [])}
                    assert bounds.get(systems.MIN_VALUE, value) <= value
                    assert value <= bounds.get(systems.MAX_VALUE, value)
                else:
                    assert kind == "valueString"
                    assert len(value) <= item.get("maxLength", len(value))
    return checked


# --- Every resource validates -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("case", demo_cases(), ids=lambda c: c.id)
def test_every_resource_of_every_demo_case_validates_and_answers_fit_the_questionnaire(
    case: Any,
) -> None:
    submission = demo_case(case.id)
    resources_by_type = by_type(bundle_of(submission))
    assert set(resources_by_type) == {"Patient", "QuestionnaireResponse", "RiskAssessment"}
    [response] = resources_by_type["QuestionnaireResponse"]
    assert check_answers_against_the_questionnaire(response) > 20
    [assessment] = resources_by_type["RiskAssessment"]
    assert assessment["prediction"][0]["qualitativeRisk"]["coding"][0]["code"] == case.tier


@FAST
@given(valid_answers)
def test_any_valid_answer_set_maps_to_answers_the_questionnaire_allows(
    answers: dict[str, Any],
) -> None:
    # Built in memory (no database): the mapping needs no query.
    submission = Submission(
        pk=1,
        reference="LEG-TEST-0001",
        patient_id=1,
        answers=answers,
        ruleset_version="",
        submitted_at=timezone.now(),
        updated_at=timezone.now(),
    )
    response = round_trip(resources.questionnaire_response(submission))
    check_answers_against_the_questionnaire(response)


@pytest.mark.django_db
def test_a_case_walked_through_the_patient_pages_exports_what_was_answered(sent: Any) -> None:
    submission = sent(EMERGENCY)
    found = by_type(bundle_of(submission))
    [response] = found["QuestionnaireResponse"]
    answers = {
        item["linkId"]: item["answer"] for group in response["item"] for item in group["item"]
    }
    assert answers["pulse_bpm"] == [{"valueInteger": submission.answers["pulse_bpm"]}]
    assert answers["rf_breathless"][0]["valueCoding"]["code"] == "yes"
    assert answers["rf_breathless"][0]["valueCoding"]["display"] == "Yes"
    assert (
        response["questionnaire"] == f"{systems.questionnaire_url()}|{submission.ruleset_version}"
    )
    assert response["subject"] == {"reference": f"Patient/{submission.patient_id}"}
    assert response["id"] == submission.reference
    assert response["status"] == "completed"


@pytest.mark.django_db
def test_hidden_questions_are_left_out_even_if_a_value_was_kept() -> None:
    # A man's pregnancy answer (from a changed earlier page) is hidden: never exported.
    answers = {**demo_case("V07").answers, "sex_at_birth": "male", "pregnancy_status": "pregnant"}
    response = round_trip(resources.questionnaire_response(case_from(answers)))
    linked = {item["linkId"] for group in response["item"] for item in group["item"]}
    assert "pregnancy_status" not in linked
    assert "sex_at_birth" in linked


@pytest.mark.django_db
def test_free_text_is_a_string_and_ticks_are_one_answer_each() -> None:
    answers = {
        **demo_case("V07").answers,
        "main_problem_text": "Calves ache after 200 m",
        "pain_regions": ["calf", "thigh_back"],
    }
    response = round_trip(resources.questionnaire_response(case_from(answers)))
    items = {item["linkId"]: item for group in response["item"] for item in group["item"]}
    assert items["main_problem_text"]["answer"] == [{"valueString": "Calves ache after 200 m"}]
    assert [a["valueCoding"]["code"] for a in items["pain_regions"]["answer"]] == [
        "calf",
        "thigh_back",
    ]


# --- Patient ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_patient_has_identity_contact_and_nhs_number() -> None:
    person = PatientFactory(
        full_name="Ada Brook",
        nhs_number="9434765919",
        gp_practice="Riverside",
        phone="07700 900001",
    )
    data = round_trip(resources.patient(person))
    assert data["name"] == [{"text": "Ada Brook"}]
    assert data["birthDate"] == person.date_of_birth.isoformat()
    assert {"system": systems.NHS_NUMBER, "value": "9434765919"} in data["identifier"]
    assert {"system": "email", "value": person.email, "rank": 1} in data["telecom"]
    assert data["generalPractitioner"] == [{"display": "Riverside"}]
    assert data["meta"]["lastUpdated"] == systems.instant(person.updated_at)


# --- RiskAssessment -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_risk_assessment_carries_the_tier_every_fired_rule_and_the_scores() -> None:
    submission = demo_case(EMERGENCY)
    data = round_trip(resources.risk_assessment(submission))
    tier, *rules = data["prediction"]
    assert tier["qualitativeRisk"]["coding"][0] == systems.coding(
        systems.TIERS, "EMERGENCY", "Emergency"
    )
    assert [r["outcome"]["coding"][0]["code"] for r in rules] == submission.fired_rules
    for rule, reason in zip(rules, submission.reasons, strict=True):
        assert rule["outcome"]["coding"][0]["system"] == systems.code_system(systems.RULES)
        assert reason["staff_reason"] in rule["rationale"]
        assert reason["source"] in rule["rationale"]
        assert rule["qualitativeRisk"]["coding"][0]["code"] == reason["tier"]
    scores = {o["code"]["coding"][0]["code"]: o for o in data["contained"]}
    assert scores["p_wells"]["valueInteger"] == submission.scores["p_wells"]
    assert scores["ceap_c_est"]["valueString"] == submission.scores["ceap_c_est"]
    assert scores["rls_probable"]["valueBoolean"] is False
    pe_wells = scores["pe_wells"]
    assert pe_wells["valueQuantity"]["value"] == submission.scores["pe_wells"]["partial_total"]
    absent = [c for c in pe_wells["component"] if "dataAbsentReason" in c]
    assert [c["code"]["coding"][0]["code"] for c in absent] == [
        "pe_wells.alternative_diagnosis_less_likely"
    ]
    # Every contained score is referenced (FHIR requires it), as is the response it rests on.
    basis = [b["reference"] for b in data["basis"]]
    assert basis[0] == f"QuestionnaireResponse/{submission.reference}"
    assert sorted(basis[1:]) == sorted(f"#{o['id']}" for o in data["contained"])
    assert data["method"]["coding"][0]["code"] == submission.ruleset_version
    assert data["status"] == "final"


@pytest.mark.django_db
def test_an_overridden_tier_comes_with_the_engines_and_the_reason(triage_nurse: User) -> None:
    submission = workflow.submission_override_tier(
        submission=demo_case("V07"),
        tier="URGENT",
        reason="Rest pain on the phone",
        actor=triage_nurse,
    )
    data = round_trip(resources.risk_assessment(submission))
    staff, engine, *_rules = data["prediction"]
    assert staff["qualitativeRisk"]["coding"][0]["code"] == "URGENT"
    assert "Rest pain on the phone" in staff["rationale"]
    assert engine["outcome"]["coding"][0]["code"] == "engine-tier"
    assert engine["qualitativeRisk"]["coding"][0]["code"] == "SOON"
    assert data["status"] == "amended"


@pytest.mark.django_db
def test_emergency_advice_shown_mid_form_and_not_sure_answers_are_noted() -> None:
    submission = demo_case(
        "V64",
        interruption_shown_at=timezone.now() - dt.timedelta(hours=2),
        interrupted_rules=["EMG_NEURO_ACUTE"],
    )
    notes = " ".join(n["text"] for n in round_trip(resources.risk_assessment(submission))["note"])
    assert "Emergency advice was shown while filling in the form" in notes
    assert "EMG_NEURO_ACUTE" in notes
    assert "not sure" in notes


# --- Appointment, Slot, Schedule ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_booked_case_exports_its_appointment_slot_and_schedule(receptionist: User) -> None:
    submission = TriagedSubmissionFactory(patient__full_name="Ada Brook")
    slot = slot_in(30)
    appointment = booking.appointment_book(submission=submission, slot=slot, actor=receptionist)
    found = by_type(bundle_of(submission))
    [fhir_appointment] = found["Appointment"]
    assert fhir_appointment["status"] == "booked"
    assert fhir_appointment["slot"] == [{"reference": f"Slot/{slot.pk}"}]
    assert fhir_appointment["start"] == systems.instant(slot.start)
    patient, clinician = fhir_appointment["participant"]
    assert patient["actor"] == {
        "reference": f"Patient/{submission.patient_id}",
        "display": "Ada Brook",
    }
    assert clinician["actor"]["display"] == slot.clinician.name
    assert {r["reference"] for r in fhir_appointment["supportingInformation"]} == {
        f"QuestionnaireResponse/{submission.reference}",
        f"RiskAssessment/{submission.reference}",
    }
    [fhir_slot] = found["Slot"]
    assert fhir_slot["status"] == "busy"
    assert fhir_slot["schedule"] == {"reference": f"Schedule/{slot.clinician_id}"}
    [schedule] = found["Schedule"]
    assert schedule["id"] == str(slot.clinician_id)
    assert fhir_appointment["meta"]["lastUpdated"] == systems.instant(appointment.updated_at)

    booking.appointment_cancel(appointment=appointment, reason="Feeling better", actor=receptionist)
    found = by_type(bundle_of(submission))
    assert found["Appointment"][0]["status"] == "cancelled"
    assert found["Appointment"][0]["cancelationReason"] == {"text": "Feeling better"}
    assert found["Slot"][0]["status"] == "free"


@pytest.mark.django_db
def test_changing_an_appointment_moves_its_last_change(receptionist: User) -> None:
    appointment = booking.appointment_book(
        submission=TriagedSubmissionFactory(), slot=slot_in(30), actor=receptionist
    )
    booked_at = appointment.updated_at
    moved = booking.appointment_move(appointment=appointment, slot=slot_in(50), actor=receptionist)
    assert moved.updated_at > booked_at


# --- manage.py fhir_export ----------------------------------------------------------------------


@pytest.mark.django_db
def test_fhir_export_prints_the_cases_bundle_and_audits_it() -> None:
    submission = demo_case(EMERGENCY)
    out = io.StringIO()
    assert submission.reference is not None
    call_command("fhir_export", submission.reference.lower(), stdout=out)
    data = json.loads(out.getvalue())
    bundle = Bundle.model_validate(data)
    assert bundle.type == "collection"
    types = [entry["resource"]["resourceType"] for entry in data["entry"]]
    assert types == ["Patient", "QuestionnaireResponse", "RiskAssessment"]
    event = AuditEvent.objects.get(action="export")
    assert event.submission_id == submission.pk
    assert event.details["via"] == "manage.py fhir_export"


@pytest.mark.django_db
def test_fhir_export_refuses_an_unknown_reference_and_a_draft() -> None:
    draft = demo_case("V07", status=Submission.Status.DRAFT)
    with pytest.raises(CommandError):
        call_command("fhir_export", "LEG-NONE-0000", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("fhir_export", str(draft.reference), stdout=io.StringIO())
    assert not AuditEvent.objects.filter(action="export").exists()

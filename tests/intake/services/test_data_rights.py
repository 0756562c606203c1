"""A patient's data rights (issue 18): the export holds all of one patient's data and nobody
else's; erasure leaves no trace of them in any table, read through the app or straight from the
database; inside the retention period a second clinic admin must confirm; the audit log keeps
ids and actions, never what was erased.

Personas: Alex (Alexandrina Quillfeather), whose canaries are everywhere a clinic writes; Xander
(Alexander Quillfeather), a similar name at the same email domain, who must stay out of her
export and untouched by her erasure; Cleo and Omar, clinic admins; Tess, a triage clinician;
Rita, a receptionist.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from intake import roles
from intake.models import AuditEvent, Notification, Patient, Submission, SubmissionNote
from intake.scheduling.models import Appointment, BookingRequest
from intake.scheduling.services import booking
from intake.selectors.data_rights import patient_get_erasure_plan, submission_list_for_patient
from intake.services import data_rights
from tests.factories import PatientFactory, SubmissionFactory, staff_user
from tests.intake.backoffice.staff import slot_in
from tests.intake.data_rights_world import (
    ALEX,
    XANDER,
    World,
    build_world,
    days_ago,
    traces,
    traces_in_raw_sql,
    traces_through_the_orm,
)

pytestmark = pytest.mark.django_db

ALEX_CANARIES = list(ALEX.values())
XANDER_CANARIES = list(XANDER.values())
REASON = "Erasure request by letter of 3 March, our ref DR-2026-031"


@pytest.fixture
def world(triage_nurse: User, receptionist: User, clinic_admin: User) -> World:
    return build_world(
        triage_nurse=triage_nurse, receptionist=receptionist, clinic_admin=clinic_admin
    )


@pytest.fixture
def second_admin(db: None) -> User:
    """Omar, another clinic admin: the second pair of eyes an erasure inside retention needs."""
    return staff_user("omar", roles.CLINIC_ADMIN)


def erase(
    world: World, *, confirmed_by: User | None, **kwargs: object
) -> data_rights.ErasureResult:
    arguments: dict[str, object] = {
        "patient": world.alex,
        "reason": REASON,
        "actor": world.staff["admin"],
        "confirmed_by": confirmed_by,
        **kwargs,
    }
    return data_rights.patient_erase(**arguments)  # type: ignore[arg-type]


# --- The world is what the tests think it is -----------------------------------------------------


def test_every_canary_is_in_the_database_before_anything_is_erased(world: World) -> None:
    # The scans' own check, so that "no trace afterwards" means something: each of Alex's
    # canaries is found through the app (which decrypts); the raw tables show her name and
    # email, which stay in plain columns for staff search, but not what is encrypted at rest.
    found = "\n".join(traces_through_the_orm(ALEX_CANARIES))
    missing = [canary for canary in ALEX_CANARIES if repr(canary) not in found]
    assert not missing, missing
    raw = "\n".join(traces_in_raw_sql(ALEX_CANARIES))
    assert repr(ALEX["name"]) in raw and repr(ALEX["email"]) in raw
    assert repr(ALEX["nhs_number"]) not in raw  # encrypted (docs/security.md)


def test_her_forms_are_the_sent_one_and_both_unfinished_ones(world: World) -> None:
    forms = submission_list_for_patient(world.alex)
    assert {s.pk for s in forms} == {world.sent.pk, world.emergency_draft.pk, world.plain_draft.pk}
    assert world.xander_sent.pk not in {s.pk for s in forms}


# --- Right of access -----------------------------------------------------------------------------


def test_the_export_holds_everything_held_about_her(world: World) -> None:
    data = data_rights.patient_export_build(patient=world.alex)
    text = data_rights.patient_export_json(data)
    for canary in ALEX_CANARIES:
        assert canary in text, canary
    assert data["patient"]["email"] == ALEX["email"]
    assert data["patient"]["nhs_number"] == ALEX["nhs_number"]
    forms = {form["id"]: form for form in data["submissions"]}
    assert set(forms) == {world.sent.pk, world.emergency_draft.pk, world.plain_draft.pk}
    sent = forms[world.sent.pk]
    assert sent["reference"] == world.sent.reference
    # Answers as question wording and answer labels, page by page (intake/summary.py).
    rows = {row["code"]: row for page in sent["answers"] for row in page["answers"]}
    assert rows["main_problem_text"]["question"] == "In your own words, what is the main problem?"
    assert rows["main_problem_text"]["answer"] == ALEX["free_text"]
    assert rows["full_name"]["answer"] == ALEX["name"]
    assert any(row["answer"] in ("Yes", "No") for row in rows.values())  # labels, not codes
    # Tier, rules with their reasons, scores, the override, notes.
    assert sent["triage"]["tier"] == "SOON"
    assert sent["triage"]["engine_tier"] == world.sent.engine_tier
    assert [r["code"] for r in sent["triage"]["fired_rules"]] == world.sent.fired_rules
    assert all(r["reason"] for r in sent["triage"]["fired_rules"])
    assert sent["triage"]["scores"] == world.sent.scores
    assert sent["override"]["reason"] == ALEX["override"]
    assert sent["override"]["by"] == "tess"
    assert [(n["by"], n["text"]) for n in sent["notes"]] == [("tess", ALEX["note"])]
    # The appointment, the messages sent to her (with where to), the staff alerts (without).
    # What triage told reception.
    assert sent["booking_request"]["note"] == ALEX["booking_note"]
    assert sent["booking_request"]["by"] == "tess"
    [appointment] = sent["appointments"]
    assert appointment["status"] == "cancelled"
    assert appointment["cancel_reason"] == ALEX["cancel_reason"]
    kinds = [m["kind"] for m in sent["messages"]]
    assert "patient_receipt" in kinds and "appt_confirmation" in kinds
    assert all(m["to"] == ALEX["email"] for m in sent["messages"])
    assert all("to" not in alert for alert in sent["staff_alerts"])
    # The emergency advice shown on the unfinished form, and what she typed then.
    emergency = forms[world.emergency_draft.pk]
    assert emergency["emergency_advice"]["rules"] == ["EMG_CHEST_BREATH"]
    assert ALEX["held_text"] in json.dumps(emergency["unsaved_page_input"])
    # And the page she saved for later as typed (issue 19).
    assert ALEX["typed_text"] in json.dumps(emergency["pages_saved_as_typed"])


def test_the_export_says_who_looked_at_and_changed_her_record(world: World) -> None:
    log = data_rights.patient_export_build(patient=world.alex)["access_log"]
    seen = {(event["who"], event["action"]) for event in log}
    assert ("cleo", "view") in seen
    assert ("tess", "override") in seen and ("tess", "note") in seen
    assert ("rita", "book") in seen and ("rita", "cancel") in seen
    assert ("patient", "submit") in seen
    assert all(event["at"] is not None for event in log)


def test_the_export_holds_nothing_of_a_patient_with_a_similar_name(world: World) -> None:
    export = data_rights.patient_export(patient=world.alex, actor=world.staff["admin"])
    for text in (export.json_text, export.html):
        assert ALEX["name"] in text
        for canary in XANDER_CANARIES:
            assert canary not in text, canary
        assert world.xander_sent.reference not in text  # type: ignore[operator]
    # And his own export holds nothing of hers.
    his = data_rights.patient_export(patient=world.xander, actor=world.staff["admin"])
    for text in (his.json_text, his.html):
        assert XANDER["name"] in text
        for canary in ALEX_CANARIES:
            assert canary not in text, canary


def test_the_readable_copy_escapes_what_the_patient_typed(world: World) -> None:
    sneaky = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    SubmissionNote.objects.create(submission=world.sent, text=sneaky)
    html = data_rights.patient_export(patient=world.alex, actor=world.staff["admin"]).html
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    # Readable: answers by their wording, scores by name (nested ones as JSON, not Python).
    assert "In your own words, what is the main problem?" in html and ALEX["free_text"] in html
    assert "p_wells" in html and "{&#x27;" not in html
    # The page saved for later as typed, under its question's wording (issue 19).
    assert ALEX["typed_text"] in html and ALEX["held_text"] in html
    # Self-contained: nothing fetched from anywhere.
    assert "src=" not in html.replace("src=x", "") and "<link" not in html


def test_the_export_is_audited_with_ids_only(world: World) -> None:
    before = AuditEvent.objects.count()
    export = data_rights.patient_export(
        patient=world.alex, actor=world.staff["admin"], ip_address="192.0.2.9"
    )
    events = AuditEvent.objects.order_by("id")[before:]
    assert {e.submission_id for e in events} == {
        world.sent.pk,
        world.emergency_draft.pk,
        world.plain_draft.pk,
    }
    for event in events:
        assert event.action == "export"
        assert event.actor == world.staff["admin"]
        assert event.details == {"patient": world.alex.pk, "request": "access", "via": "admin"}
    assert export.stem.startswith(f"patient-{world.alex.pk}-")
    dumped = json.dumps([e.object_repr for e in events]) + json.dumps([e.details for e in events])
    assert not [c for c in ALEX_CANARIES if c in dumped]


def test_the_zip_holds_the_json_and_the_html(world: World) -> None:
    import io
    import zipfile

    export = data_rights.patient_export(patient=world.alex, actor=None, via="command")
    names = zipfile.ZipFile(io.BytesIO(export.zip_bytes())).namelist()
    assert names == [f"{export.stem}.json", f"{export.stem}.html"]
    assert json.loads(export.json_text)["patient"]["id"] == world.alex.pk
    event = AuditEvent.objects.filter(action="export").latest("id")
    assert event.actor_kind == "system" and event.details["via"] == "command"


# --- Erasure inside the retention period --------------------------------------------------------


def test_after_erasure_no_table_holds_a_trace_of_her(world: World, second_admin: User) -> None:
    result = erase(world, confirmed_by=second_admin)
    assert traces(ALEX_CANARIES) == []
    # The sent form and the emergency case are kept (inside retention), anonymised; the
    # plain unfinished form is gone.
    assert set(result.anonymised) == {world.sent.pk, world.emergency_draft.pk}
    assert result.deleted == (world.plain_draft.pk,)
    assert not Submission.objects.filter(pk=world.plain_draft.pk).exists()
    assert not result.patient_deleted


def test_erasure_keeps_the_coded_clinical_data_inside_retention(
    world: World, second_admin: User
) -> None:
    erase(world, confirmed_by=second_admin)
    sent = Submission.objects.get(pk=world.sent.pk)
    before = world.sent
    for name in ("reference", "status", "tier", "engine_tier", "fired_rules", "reasons"):
        assert getattr(sent, name) == getattr(before, name), name
    assert sent.scores == before.scores and sent.age_years == before.age_years
    assert sent.submitted_at == before.submitted_at
    # Coded answers kept; free text replaced by the tombstone; identity and held input gone.
    for code, value in before.answers.items():
        if code in ("main_problem_text", "medication_list", "contact_phone", "allergies"):
            assert sent.answers[code] in ("", None, [], data_rights.TOMBSTONE), code
        else:
            assert sent.answers[code] == value, code
    assert sent.answers["main_problem_text"] == data_rights.TOMBSTONE
    assert sent.identity == {} and sent.held_input == {} and sent.typed_input == {}
    emergency = Submission.objects.get(pk=world.emergency_draft.pk)
    assert emergency.held_input == {} and emergency.typed_input == {}
    assert sent.override_reason == data_rights.TOMBSTONE
    assert sent.token != before.token  # the old links open nothing
    alex = Patient.objects.get(pk=world.alex.pk)
    assert alex.full_name == data_rights.TOMBSTONE
    assert (alex.email, alex.phone, alex.nhs_number, alex.gp_practice) == ("", "", "", "")
    assert alex.date_of_birth == data_rights.ERASED_DATE_OF_BIRTH
    assert set(SubmissionNote.objects.filter(submission=sent).values_list("text", flat=True)) == {
        data_rights.TOMBSTONE
    }
    assert BookingRequest.objects.get(submission=sent).note == data_rights.TOMBSTONE
    appointment = Appointment.objects.get(submission=sent)
    assert appointment.cancel_reason == data_rights.TOMBSTONE
    assert appointment.notes == data_rights.TOMBSTONE
    to_her = Notification.objects.filter(submission=sent, kind__in=data_rights.PATIENT_KINDS)
    assert to_her.exists() and set(to_her.values_list("recipient", flat=True)) == {""}
    assert not to_her.filter(status="pending").exists()


def test_erasure_leaves_the_other_patient_alone(world: World, second_admin: User) -> None:
    his_form = Submission.objects.get(pk=world.xander_sent.pk)
    erase(world, confirmed_by=second_admin)
    xander = Patient.objects.get(pk=world.xander.pk)
    assert xander.full_name == XANDER["name"] and xander.email == XANDER["email"]
    assert Submission.objects.get(pk=his_form.pk).answers == his_form.answers
    found = "\n".join(traces(XANDER_CANARIES))
    assert all(repr(canary) in found for canary in XANDER_CANARIES)


def test_the_audit_log_keeps_ids_and_actions_never_the_erased_values(
    world: World, second_admin: User
) -> None:
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    erase(world, confirmed_by=second_admin, ip_address="192.0.2.7")
    events = list(AuditEvent.objects.filter(id__gt=before).order_by("id"))
    assert {e.action for e in events} == {"erase"}
    assert all(e.actor == world.staff["admin"] for e in events)
    [summary] = [e for e in events if e.submission_id is None]
    assert summary.object_repr == f"Patient #{world.alex.pk}"
    assert summary.details == {
        "patient": world.alex.pk,
        "reason": REASON,
        "confirmed_by": "omar",
        "retention_days": 2922,
        "anonymised": sorted([world.sent.pk, world.emergency_draft.pk]),
        "deleted": [world.plain_draft.pk],
        "patient_deleted": False,
        "via": "admin",
    }
    # One per form changed or deleted, and per appointment changed, by field name only.
    assert {e.submission_id for e in events if e.submission_id} == {
        world.sent.pk,
        world.emergency_draft.pk,
        world.plain_draft.pk,
    }
    # Nothing of hers in any audit row, old or new (the audit rows are in the full scan too).
    every_row = json.dumps(
        list(AuditEvent.objects.values("object_repr", "details", "changed_fields")), default=str
    )
    assert not [canary for canary in ALEX_CANARIES if canary in every_row]


def test_inside_retention_a_second_confirmation_is_required(world: World) -> None:
    assert patient_get_erasure_plan(world.alex).needs_confirmation
    with pytest.raises(ValidationError, match="second clinic admin must confirm"):
        erase(world, confirmed_by=None)
    _nothing_erased(world)


def test_the_confirmer_cannot_be_the_admin_who_erases(world: World) -> None:
    with pytest.raises(ValidationError, match="not by you"):
        erase(world, confirmed_by=world.staff["admin"])
    _nothing_erased(world)


@pytest.mark.parametrize("who", ["triage", "receptionist", "inactive admin", "no role"])
def test_the_confirmer_must_be_an_active_clinic_admin(world: World, who: str) -> None:
    confirmer = {
        "triage": world.staff["triage"],
        "receptionist": world.staff["receptionist"],
        "inactive admin": staff_user("olga", roles.CLINIC_ADMIN, is_active=False),
        "no role": staff_user("sid"),
    }[who]
    with pytest.raises(ValidationError, match="only an active clinic admin"):
        erase(world, confirmed_by=confirmer)
    _nothing_erased(world)


@pytest.mark.parametrize("who", ["triage", "receptionist"])
def test_only_a_clinic_admin_can_erase(world: World, second_admin: User, who: str) -> None:
    with pytest.raises(ValidationError, match="Only a clinic admin"):
        erase(world, confirmed_by=second_admin, actor=world.staff[who])
    _nothing_erased(world)


@pytest.mark.parametrize(
    "reason",
    [
        "Asked by Alexandrina on the phone",
        "quillfeather called",
        f"Email from {ALEX['email']}",
        "Email from a.quillfeather",
        "Email from A.QUILLFEATHER at another address",
        "Rang from 07700900461",
        "NHS 943 476 5919",
        "",
        "   ",
    ],
)
def test_a_reason_that_names_her_or_is_missing_is_refused(
    world: World, second_admin: User, reason: str
) -> None:
    # The reason is kept in the audit log, which never holds a patient's details.
    with pytest.raises(ValidationError):
        erase(world, confirmed_by=second_admin, reason=reason)
    _nothing_erased(world)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Mail from wolfhound77, ref 12", True),  # the part of the address before the @
        ("Mail from WOLFHOUND77@elsewhere.example", True),
        ("Phoned from 07700-900-123", True),
        ("Born 1961-04-12", True),
        ("Mr Zed rang", True),  # a word of the name
        ("Ed rang", False),  # under 3 letters: too common to tell
        ("Letter of 3 March 2026, ref DR-2026-031, annual review", False),
    ],
)
def test_what_counts_as_naming_the_patient(db: None, text: str, names: bool) -> None:
    patient = PatientFactory(
        full_name="Ed Zed", email="wolfhound77@x.example", phone="07700 900123",
        date_of_birth=dt.date(1961, 4, 12),
    )  # fmt: skip
    assert data_rights.names_the_patient(text, patient, []) is names


def test_an_appointment_still_to_come_must_be_cancelled_first(
    world: World, second_admin: User
) -> None:
    booking.appointment_book(
        submission=Submission.objects.get(pk=world.sent.pk),
        slot=slot_in(48),
        actor=world.staff["receptionist"],
    )
    with pytest.raises(ValidationError, match="cancel them first"):
        erase(world, confirmed_by=second_admin)
    _nothing_erased(world)


def _nothing_erased(world: World) -> None:
    alex = Patient.objects.get(pk=world.alex.pk)
    assert alex.full_name == ALEX["name"] and alex.email == ALEX["email"]
    assert Submission.objects.filter(pk=world.plain_draft.pk).exists()
    assert not AuditEvent.objects.filter(action="erase").exists()


# --- Erasure past the retention period ----------------------------------------------------------


def _past_retention(world: World) -> None:
    """Every contact the clinic had with her (her forms, what staff did on them, the
    appointment) as if from nine years ago: the retention job's rule
    (intake/selectors/retention.py) counts from the last contact on any of her cases."""
    old = days_ago(9 * 365)
    ids = [world.sent.pk, world.emergency_draft.pk]
    Submission.objects.filter(pk=world.sent.pk).update(submitted_at=old, created_at=old)
    Submission.objects.filter(pk=world.emergency_draft.pk).update(
        interruption_shown_at=old, created_at=old
    )
    Submission.objects.filter(pk__in=ids).update(status_changed_at=old)
    Submission.objects.filter(pk__in=ids, overridden_at__isnull=False).update(overridden_at=old)
    SubmissionNote.objects.filter(submission_id__in=ids).update(created_at=old)
    Appointment.objects.filter(submission=world.sent).update(
        starts_at=old, ends_at=old + dt.timedelta(minutes=30)
    )


def test_past_retention_erasure_needs_no_confirmation_and_deletes_everything(
    world: World,
) -> None:
    _past_retention(world)
    assert not patient_get_erasure_plan(world.alex).needs_confirmation
    result = erase(world, confirmed_by=None)
    assert result.anonymised == () and result.patient_deleted
    assert set(result.deleted) == {world.sent.pk, world.emergency_draft.pk, world.plain_draft.pk}
    assert not Patient.objects.filter(pk=world.alex.pk).exists()
    assert not Submission.objects.filter(pk__in=result.deleted).exists()
    assert not Appointment.objects.filter(submission_id=world.sent.pk).exists()
    assert not Notification.objects.filter(submission_id__in=result.deleted).exists()
    assert traces(ALEX_CANARIES) == []
    # Xander's form is recent and his: untouched.
    assert Patient.objects.filter(pk=world.xander.pk).exists()


def test_retention_is_counted_from_the_last_contact_an_appointment_included(world: World) -> None:
    # Sent nine years ago, but with an appointment last year: still inside the period.
    _past_retention(world)
    Appointment.objects.filter(submission=world.sent).update(
        starts_at=days_ago(365), ends_at=days_ago(365)
    )
    plan = patient_get_erasure_plan(world.alex)
    assert plan.retained == (world.sent.pk,)
    assert set(plan.deleted) == {world.emergency_draft.pk, world.plain_draft.pk}


def test_the_retention_period_is_the_setting(world: World, settings: object) -> None:
    _past_retention(world)  # nine years: past the default 8 years
    assert not patient_get_erasure_plan(world.alex).needs_confirmation
    settings.CLINIC_RETENTION_DAYS = 10 * 365  # type: ignore[attr-defined]
    plan = patient_get_erasure_plan(world.alex)
    assert set(plan.retained) == {world.sent.pk, world.emergency_draft.pk}


def test_a_recent_case_keeps_her_older_ones_inside_the_period(world: World) -> None:
    # The record is the patient's: an old form stays while the clinic is in touch with her
    # about another, as the nightly retention job keeps it (one rule for both).
    _past_retention(world)
    recent = SubmissionFactory(
        patient=world.alex, status=Submission.Status.SUBMITTED, submitted_at=days_ago(30)
    )
    plan = patient_get_erasure_plan(world.alex)
    assert world.sent.pk in plan.retained and recent.pk in plan.retained
    assert plan.needs_confirmation


def test_a_patient_with_no_forms_is_deleted_without_confirmation(
    clinic_admin: User,
) -> None:
    lone = PatientFactory(full_name="Lone Canary-Heron")
    result = data_rights.patient_erase(
        patient=lone, reason=REASON, actor=clinic_admin, confirmed_by=None
    )
    assert result.patient_deleted and not Patient.objects.filter(pk=lone.pk).exists()
    assert traces(["Canary-Heron"]) == []


def test_a_draft_of_someone_else_with_her_email_but_another_birth_date_is_not_hers(
    world: World,
) -> None:
    stranger = SubmissionFactory(
        status=Submission.Status.DRAFT,
        patient=None,
        reference=None,
        submitted_at=None,
        identity={
            "full_name": "Someone Else",
            "email": ALEX["email"],
            "date_of_birth": "1990-01-01",
        },
    )
    assert stranger.pk not in {s.pk for s in submission_list_for_patient(world.alex)}

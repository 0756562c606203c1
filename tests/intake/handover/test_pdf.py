"""The clinician's summary and the patient's copy: they render, say what they must, fit on the
pages they should, and the patient's copy never shows what was written for staff."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from intake.demo import demo_cases
from intake.handover import pdf, selectors
from intake.models import Submission
from intake.services import workflow
from tests.intake.handover.conftest import EMERGENCY, TYPICAL, case_from, demo_case
from tests.intake.handover.pdfs import pages, squeezed, text

pytestmark = pytest.mark.django_db


def summary_of(submission: Submission, **kwargs: Any) -> bytes:
    sent = selectors.submission_get_sent(submission_id=submission.pk)
    assert sent is not None
    return pdf.clinician_summary(
        sent, appointments=selectors.appointment_list_for_case(sent), **kwargs
    )


def test_the_summary_holds_the_reference_and_every_fired_rule_with_its_reason(
    sent: Any,
) -> None:
    submission = sent(EMERGENCY)
    assert len(submission.fired_rules) >= 2
    found = text(summary_of(submission, printed_by="Tess Triage"))
    assert submission.reference in found
    assert "Alex Example" in found
    assert "Emergency" in found
    for reason in submission.reasons:
        assert reason["code"] in found
        assert squeezed(reason["staff_reason"]) in squeezed(found)
        assert squeezed(reason["source"]) in squeezed(found)
    # The emergency advice shown mid-form, PE-Wells (EMG_PE fired), the scores, who printed it.
    assert "Emergency advice was shown while filling in the form" in found
    assert "PE-Wells items (partial)" in found
    assert "pWells (DVT, 0-8)" in found
    assert "Printed" in found and "Tess Triage" in found


def test_a_typical_case_is_one_page(sent: Any) -> None:
    assert pages(summary_of(sent(TYPICAL))) == 1


def _length(submission: Submission) -> int:
    """How much a summary has to show, roughly: rules, answers worth reading, "not sure"."""
    context = pdf.clinician_context(submission)
    rows = sum(len(step.rows) + 1 for step in context["steps"])
    return 3 * len(context["reasons"]) + rows + 2 * len(context["not_sure"])


def test_the_longest_demo_cases_fit_on_two_pages_and_short_ones_on_one() -> None:
    cases = sorted((demo_case(case.id) for case in demo_cases()), key=_length)
    longest = {case.reference: pages(summary_of(case)) for case in cases[-5:]}
    assert max(longest.values()) <= 2, longest
    shortest = {case.reference: pages(summary_of(case)) for case in cases[:3]}
    assert set(shortest.values()) == {1}, shortest


def test_the_longest_free_text_still_fits_on_two_pages() -> None:
    words = "Aching calf, worse walking uphill and in the evening. " * 60
    answers = {
        **demo_case("V36").answers,
        "main_problem_text": words[:1000],
        "medication_list": words[:2000],
        "allergies": words[:2000],
    }
    assert pages(summary_of(case_from(answers))) <= 2


def test_what_the_clinician_needs_is_there() -> None:
    answers = {
        **demo_case("V64").answers,
        "main_problem_text": "My left foot has gone numb",
        "blood_thinner": "yes",
        "antiplatelet": "no",
        "medication_list": "Apixaban 5 mg twice a day",
        "allergies": "Penicillin (rash)",
    }
    submission = case_from(answers)
    found = text(summary_of(submission))
    for expected in (
        "My left foot has gone numb",
        "Blood thinner (anticoagulant): Yes",
        "Aspirin or clopidogrel (antiplatelet): No",
        "Apixaban 5 mg twice a day",
        "Penicillin (rash)",
        'ANSWERED "NOT SURE"',
        "(counted as yes)",
        "Scores (patient-reported estimates)".upper(),
        "Answers by page".upper(),
    ):
        assert expected in found, expected


def test_an_overridden_tier_shows_the_engines_and_the_reason(triage_nurse: User) -> None:
    submission = workflow.submission_override_tier(
        submission=demo_case("V07"),
        tier="URGENT",
        reason="Rest pain on the phone today",
        actor=triage_nurse,
    )
    found = text(summary_of(submission))
    assert "Urgent" in found
    assert "Changed by staff from the engine's tier, Soon" in found
    assert "Rest pain on the phone today" in found


def test_the_body_map_marks_the_patients_regions_and_only_those() -> None:
    svg = pdf.bodymap_svg(["calf", "knee"])
    marked = re.findall(r'data-code="([a-z_]+)" role="checkbox" aria-checked="true"', svg)
    assert sorted(marked) == ["calf", "knee"]
    assert svg.count('aria-checked="false"') > 5
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    context = pdf.clinician_context(demo_case("V07"))
    assert 'data-code="calf" role="checkbox" aria-checked="true"' in context["bodymap"]


def test_the_patients_copy_has_labels_not_codes_and_nothing_for_staff(sent: Any) -> None:
    submission = sent(EMERGENCY)
    found = text(pdf.patient_copy(submission))
    assert submission.reference in found
    assert "A copy of your answers" in found
    assert "Alex Example" in found
    # Labels, as on the form.
    assert "Over a few days" in found
    assert "over_hours" not in found and "over_days" not in found
    # What they were told (an emergency here), never what staff read.
    assert "Call 999 now" in found
    for reason in submission.reasons:
        assert reason["code"] not in found
        assert squeezed(reason["staff_reason"])[:40] not in squeezed(found)
        assert squeezed(reason["source"])[:30] not in squeezed(found)
    assert "pWells" not in found and "Scores" not in found


def test_the_patients_copy_says_what_happens_next_for_a_routine_form() -> None:
    submission = demo_case("V33", submitted_at=timezone.now() - dt.timedelta(minutes=5))
    found = text(pdf.patient_copy(submission))
    assert "What happens next" in found
    assert "Call 999 now" not in found


def test_drawing_a_pdf_fetches_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Whatever a template might name (a file, a web address), WeasyPrint asks for none of it.
    opened: list[object] = []
    monkeypatch.setattr(
        "urllib.request.OpenerDirector.open", lambda *args, **kw: opened.append(args)
    )
    html = (
        '<link rel="stylesheet" href="file:///etc/passwd">'
        '<img src="http://127.0.0.1:9/tracker.png"><p>Hello</p>'
    )
    monkeypatch.setattr(pdf, "render_to_string", lambda template, context: html)
    assert "Hello" in text(pdf.render("any.html", {}))
    assert opened == []

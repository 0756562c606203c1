"""Patient forms built from the catalogue: each form instance has its own fields."""

from __future__ import annotations

from unittest import mock

from django.utils import translation

from intake import steps
from intake.questionnaire import forms as intake_forms
from intake.questionnaire.forms import StepForm
from intake.triage import QUESTIONS


def test_one_patients_errors_never_show_on_anothers_form() -> None:
    page = steps.STEPS_BY_CODE["red_flags"]
    refused = StepForm({"rf_fever": "maybe"}, step=page, saved={})
    assert not refused.is_valid() and "rf_fever" in refused.errors
    assert "is-invalid" in refused.as_questions()
    fresh = StepForm(step=page, saved={})
    html = fresh.as_questions()
    assert "is-invalid" not in html and "invalid-feedback" not in html
    # Widget attributes set while rendering one form stay on that form's own copy.
    code = page.questions[0].code
    refused.fields[code].widget.attrs["data-test"] = "refused only"
    assert "data-test" not in fresh.fields[code].widget.attrs
    assert "data-test" not in StepForm(step=page, saved={}).fields[code].widget.attrs


def test_labels_and_hints_are_worked_out_once_per_question_and_language() -> None:
    question = next(q for q in QUESTIONS if q.emphasis)
    hinted = next(q for q in QUESTIONS if q.hint)
    label = intake_forms.question_label(question)
    hint = intake_forms._hint(hinted)
    assert "<strong>" in label and hint
    texts = 1 + len(question.emphasis) + (0 if question.required else 1)
    with mock.patch.object(intake_forms, "_", side_effect=lambda text: text) as gettext:
        assert intake_forms.question_label(question) == label
        assert intake_forms._hint(hinted) == hint
        assert gettext.call_count == 0
        with translation.override("cy"):  # another language: worked out again, through gettext
            assert intake_forms.question_label(question) == label  # no Welsh catalogue here
            intake_forms.question_label(question)
        assert gettext.call_count == texts

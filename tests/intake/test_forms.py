"""Patient forms built from the catalogue: each form instance has its own fields."""

from __future__ import annotations

from crispy_forms.utils import render_crispy_form

from intake import steps
from intake.forms import StepForm


def test_one_patients_errors_never_show_on_anothers_form() -> None:
    page = steps.STEPS_BY_CODE["red_flags"]
    refused = StepForm({"rf_fever": "maybe"}, step=page, saved={})
    assert not refused.is_valid() and "rf_fever" in refused.errors
    assert "is-invalid" in render_crispy_form(refused)
    fresh = StepForm(step=page, saved={})
    html = render_crispy_form(fresh)
    assert "is-invalid" not in html and "invalid-feedback" not in html
    # Widget attributes set while rendering one form stay on that form's own copy.
    code = page.questions[0].code
    refused.fields[code].widget.attrs["data-test"] = "refused only"
    assert "data-test" not in fresh.fields[code].widget.attrs
    assert "data-test" not in StepForm(step=page, saved={}).fields[code].widget.attrs

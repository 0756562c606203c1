"""Issue 19's GOV.UK patterns on the patient pages, as the server writes them: the date of birth
in three boxes with GOV.UK's messages, a valid NHS number example, questions revealed under the
answer that reveals them, "or" before an exclusive "None of these", Change coming back to its
row, the check page's back link and step number, and no text escaped twice on any page.
(In a browser, with and without JavaScript: tests/browser/test_govuk_patterns.py.)
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.http import QueryDict
from django.test import Client

from intake import steps
from intake.identity import IDENTITY_REQUIRED_MESSAGES, nhs_number_is_valid
from intake.models import Submission
from intake.questionnaire import markup
from intake.questionnaire.forms import (
    PRESENTATIONS,
    IdentityFields,
    ResumeForm,
    StepForm,
    read_date_parts,
)
from intake.triage import QUESTIONS_BY_CODE
from tests.intake.conftest import fill_until, start, step_url
from tests.intake.questionnaire.test_markup import Element, read
from tests.journey import CONSENT, step_post_data, vignette_answers

ABOUT_YOU = steps.STEPS_BY_CODE[steps.IDENTITY_STEP]


# --- Date of birth: three boxes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "date", "problem", "boxes"),
    [
        (("27", "3", "1980"), dt.date(1980, 3, 27), None, set()),
        ((" 07 ", "03", "1980"), dt.date(1980, 3, 7), None, set()),  # blanks and zeros are fine
        (("", "", ""), None, None, set()),  # nothing typed: the required message, if any
        (("27", "", "1980"), None, "month", {"month"}),
        (("", "", "1980"), None, "day month", {"day", "month"}),
        (("27", "3", ""), None, "year", {"year"}),
        (("31", "2", "1980"), None, "real", {"day"}),
        (("27", "13", "1980"), None, "real", {"month"}),
        (("32", "13", "1980"), None, "real", {"day", "month"}),
        (("x", "3", "1980"), None, "real", {"day"}),
        (("27", "3", "80"), None, "year_digits", {"year"}),
        (("٢", "3", "1980"), None, "real", {"day"}),  # digits, but not 0-9
    ],
)
def test_three_boxes_are_read_as_govuk_reads_them(
    typed: tuple[str, str, str], date: dt.date | None, problem: str | None, boxes: set[str]
) -> None:
    reading = read_date_parts(*typed)
    assert (reading.date, reading.problem, set(reading.boxes)) == (date, problem, boxes)


def _about_you(**dob: Any) -> StepForm:
    data = QueryDict(mutable=True)
    data.setlist("date_of_birth", [dob.get("day", ""), dob.get("month", ""), dob.get("year", "")])
    form = StepForm(data, step=ABOUT_YOU, saved={}, today=dt.date(2026, 6, 1))
    form.is_valid()
    return form


def _boxes(form: Any) -> list[Element]:
    return read(form.as_questions()).find_all("input", name="date_of_birth")


def _error_text(form: Any) -> str:
    (error,) = read(form.as_questions()).find_all("div", id="id_date_of_birth_error")
    return error.text()


def test_a_missing_month_is_named_and_only_its_box_is_marked() -> None:
    form = _about_you(day="27", year="1980")
    assert form.errors["date_of_birth"] == ["Date of birth must include a month."]
    assert _error_text(form) == "Error: Date of birth must include a month."
    day, month, year = _boxes(form)
    assert month.attrs.get("aria-invalid") == "true" and "is-invalid" in month.classes
    assert "aria-invalid" not in day.attrs and "aria-invalid" not in year.attrs
    # What was typed stays in its box.
    assert (day.attrs["value"], "value" in month.attrs, year.attrs["value"]) == (
        "27",
        False,
        "1980",
    )


def test_an_impossible_date_and_a_short_year_say_so() -> None:
    impossible = _about_you(day="30", month="2", year="1980")
    assert impossible.errors["date_of_birth"] == ["Date of birth must be a real date."]
    assert [b.attrs.get("aria-invalid") for b in _boxes(impossible)] == ["true", None, None]
    short = _about_you(day="30", month="1", year="80")
    assert short.errors["date_of_birth"] == ["Year must include 4 numbers."]
    assert [b.attrs.get("aria-invalid") for b in _boxes(short)] == [None, None, "true"]


def test_a_date_in_the_future_marks_the_whole_date() -> None:
    form = _about_you(day="2", month="6", year="2026")  # tomorrow, for this form
    assert form.errors["date_of_birth"] == ["Date of birth must be in the past."]
    assert [b.attrs.get("aria-invalid") for b in _boxes(form)] == ["true", "true", "true"]
    (wrapper,) = read(form.as_questions()).find_all("div", id="div_id_date_of_birth")
    assert "question--error" in wrapper.classes  # the whole field is highlighted too


def test_a_blank_date_asks_for_it_and_marks_every_box() -> None:
    form = _about_you()
    assert form.errors["date_of_birth"] == [str(IDENTITY_REQUIRED_MESSAGES["date_of_birth"])]
    assert [b.attrs.get("aria-invalid") for b in _boxes(form)] == ["true", "true", "true"]


def test_a_whole_date_posted_at_once_still_counts() -> None:
    # What scripts, tests and a page held before the change post: one value, a whole date.
    for written in ("1980-03-27", "27/03/1980"):
        form = ResumeForm({"date_of_birth": written})
        assert form.is_valid() and form.cleaned_data["date_of_birth"] == dt.date(1980, 3, 27)
    assert not ResumeForm({"date_of_birth": ["1980-03-27", "1970-01-01"]}).is_valid()
    assert not ResumeForm({"date_of_birth": "1980-02-30"}).is_valid()


@pytest.mark.django_db
def test_the_first_page_takes_the_date_of_birth_in_three_boxes(patient: Client) -> None:
    submission = start(patient)
    answers = vignette_answers("V07")
    data = step_post_data("about_you", answers)
    born = dt.date.fromisoformat(data.pop("date_of_birth"))
    response = patient.post(
        step_url(submission, "about_you"),
        {**data, "date_of_birth": [str(born.day), str(born.month), ""]},
    )
    assert response.status_code == 200
    html = response.content.decode()
    root = read(html)
    (summary,) = [e for e in root.walk() if "data-error-summary" in e.attrs]
    (link,) = [a for a in summary.find_all("a") if "Date of birth" in a.text()]
    assert link.text() == "Date of birth – Date of birth must include a year."
    assert link.attrs["href"] == "#id_date_of_birth"  # the day box: the question's first input
    (day,) = root.find_all("input", id="id_date_of_birth")
    assert day.attrs["autocomplete"] == "bday-day"

    response = patient.post(
        step_url(submission, "about_you"),
        {**data, "date_of_birth": [str(born.day), f"0{born.month}", str(born.year)]},
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.identity["date_of_birth"] == born.isoformat()
    assert submission.answers["age_years"] == answers["age_years"]
    # Shown again in its three boxes.
    boxes = read(patient.get(step_url(submission, "about_you")).content.decode()).find_all(
        "input", name="date_of_birth"
    )
    assert [b.attrs["value"] for b in boxes] == [str(born.day), str(born.month), str(born.year)]


@pytest.mark.django_db
def test_the_resume_page_takes_the_date_of_birth_in_three_boxes(
    patient: Client, other_patient: Client
) -> None:
    answers = vignette_answers("V07")
    submission = start(patient)
    fill_until(patient, submission, answers, stop_before="red_flags")
    submission.refresh_from_db()
    born = dt.date.fromisoformat(str(submission.identity["date_of_birth"]))
    path = f"/resume/{submission.token}/"
    refused = other_patient.post(path, {"date_of_birth": ["", str(born.month), str(born.year)]})
    assert "Date of birth must include a day." in refused.content.decode()
    right = other_patient.post(
        path, {"date_of_birth": [str(born.day), str(born.month), str(born.year)]}
    )
    assert right.status_code == 302 and right["Location"].startswith(f"/intake/{submission.token}/")


def test_the_nhs_number_example_passes_its_own_check() -> None:
    hint = str(IdentityFields.base_fields["nhs_number"].help_text)
    (example,) = re.findall(r"\d{3} \d{3} \d{4}", hint)
    assert nhs_number_is_valid(example.replace(" ", "")), example


# --- Questions revealed under the answer that reveals them ---------------------------------------


def _nested(page: steps.FormStep) -> dict[str, tuple[str, frozenset[str]]]:
    """The page's questions that go under an answer: those whose revealing question is a radio
    question on the page before them, with only questions nested there in between."""
    form = StepForm(step=page, saved={})
    return markup._parents(form, tuple(n for n in form.fields if n != "website"), PRESENTATIONS)


def test_only_simple_conditions_on_one_radio_question_nest() -> None:
    # Revealed by one answer, by two (In: yes / not sure), by all but one (Ne), and a chain.
    assert markup.revealed_by(QUESTIONS_BY_CODE["rest_pain_dependency"]) == (
        "rest_pain_night",
        frozenset({"yes"}),
    )
    assert markup.revealed_by(QUESTIONS_BY_CODE["rf_numb_weak_onset"]) == (
        "rf_numb_weak_new",
        frozenset({"yes", "not_sure"}),
    )
    assert markup.revealed_by(QUESTIONS_BY_CODE["pitting_dent"]) == (
        "leg_swollen",
        frozenset({"ankle_or_calf", "whole_leg"}),
    )
    assert markup.revealed_by(QUESTIONS_BY_CODE["calf_difference_cm"]) == (
        "swelling_side",
        frozenset({"left", "right"}),
    )
    # Sex and an age range: two questions, one not on the page; stays where it is.
    assert markup.revealed_by(QUESTIONS_BY_CODE["pregnancy_status"]) is None
    assert markup.revealed_by(QUESTIONS_BY_CODE["rls1_urge"]) is None  # no condition at all


@pytest.mark.parametrize("page", [pytest.param(p, id=p.code) for p in steps.STEPS])
def test_revealed_questions_sit_under_their_answer_in_page_order(page: steps.FormStep) -> None:
    form = StepForm(step=page, saved={})
    root = read(form.as_questions())
    # The questions keep the catalogue's order on the page.
    order = [e.attrs["data-question"] for e in root.walk() if "data-question" in e.attrs]
    assert order == [name for name in form.fields if name != "website"]
    by_id = {e.attrs["id"]: e for e in root.walk() if "id" in e.attrs}
    for name, (reader, values) in _nested(page).items():
        wrapper = by_id[f"div_id_{name}"]
        container = wrapper.parent
        assert container is not None and "conditional" in container.classes, name
        assert "data-conditional" in container.attrs
        # Exactly the options that reveal it name its container...
        options = root.find_all("input", name=reader)
        controlling = {
            e.attrs["value"]
            for e in options
            if container.attrs["id"] in e.attrs.get("aria-controls", "").split()
        }
        assert controlling == set(values), name
        # ... which follows the last of them, inside the revealing question's fieldset.
        last = max((e for e in options if e.attrs["value"] in values), key=lambda e: e.order)
        option_wrapper = last.parent
        assert option_wrapper is not None and option_wrapper.parent is container.parent
        siblings = container.parent.children if container.parent else []
        index = siblings.index(container)
        before = siblings[index - 1]
        assert before is option_wrapper or "conditional" in before.classes, name
        assert container.parent is not None and container.parent.tag == "fieldset"
        # Without the script, the container is open: nothing is hidden by the server.
        assert "hidden" not in container.attrs and "hidden" not in wrapper.attrs


def test_the_revealed_questions_of_each_page() -> None:
    nested = {page.code: sorted(_nested(page)) for page in steps.STEPS if _nested(page)}
    assert nested == {
        "red_flags": ["rf_numb_weak_onset"],
        "feels_like": ["calf_difference_cm", "pitting_dent", "swelling_side"],
        "better_worse": sorted(
            [
                "ecq2_rest_onset",
                "ecq3_uphill",
                "ecq4_ordinary_pace",
                "ecq5_stand_still",
                "ecq6_sites",
                "walk_pain_eased_by",
                "rest_pain_dependency",
                "rls2_rest",
                "rls3_movement",
                "rls4_evening",
                "rls5_mimic",
                "rls_frequency",
            ]
        ),
        "other_symptoms": ["hard_vein_site", "wound_duration", "wound_features", "wound_location"],
    }


# --- "or" before an exclusive "None of these" ----------------------------------------------------


@pytest.mark.parametrize("page", [pytest.param(p, id=p.code) for p in steps.STEPS])
def test_or_comes_before_an_exclusive_none_of_these(page: steps.FormStep) -> None:
    root = read(StepForm(step=page, saved={}).as_questions())
    for question in page.questions:
        boxes = root.find_all("input", name=question.code)
        dividers = [
            e
            for e in root.find_all("div", **{"class": "checkbox-divider"})
            if any(b.attrs["name"] == question.code for b in _group_inputs(e))
        ]
        if not question.exclusive_none:
            assert not dividers and not [b for b in boxes if "data-behaviour" in b.attrs]
            continue
        (divider,) = dividers
        assert divider.text() == "or"
        (none,) = [b for b in boxes if b.attrs["value"] == "none"]
        assert none.attrs["data-behaviour"] == "exclusive"
        siblings = divider.parent.children if divider.parent else []
        after = siblings[siblings.index(divider) + 1]
        assert none in after.children, question.code  # right before "None of these"


def _group_inputs(element: Element) -> list[Element]:
    parent = element.parent
    return parent.find_all("input") if parent is not None else []


# --- The check page: back link, step number, Change returns to its row --------------------------


@pytest.mark.django_db
def test_the_check_page_has_a_back_link_and_its_step_number(patient: Client) -> None:
    submission = start(patient)
    fill_until(patient, submission, vignette_answers("V07"))
    submission.refresh_from_db()
    html = patient.get(f"/intake/{submission.token}/check/").content.decode()
    shown = steps.progress(submission.answers, submission.identity).pages
    # Counted as the question pages count: steps, a step of several short pages once (issue 19).
    total = len({page.code for page in shown}) + 1
    assert f"Step {total} of {total}" in html
    last = shown[-1]
    assert f'<a href="/intake/{submission.token}/{last.key}/" class="back-link' in html
    # The last question page: the step before it, of the same total.
    before = patient.get(step_url(submission, last.key)).content.decode()
    assert f"Step {total - 1} of {total}" in before


@pytest.mark.django_db
def test_a_change_comes_back_to_its_row(patient: Client) -> None:
    submission = start(patient)
    answers = vignette_answers("V07")
    fill_until(patient, submission, answers)
    url = step_url(submission, "history") + "?return=check&row=smoking"
    page = patient.get(url).content.decode()
    # Back (without changing anything) goes to the row too.
    assert f'href="/intake/{submission.token}/check/#row-smoking"' in page
    response = patient.post(url, step_post_data("history", {**answers, "smoking": "ex"}))
    assert response["Location"] == f"/intake/{submission.token}/check/#row-smoking"
    check = patient.get(f"/intake/{submission.token}/check/").content.decode()
    assert '<div class="summary-list__row" id="row-smoking">' in check
    # A row that is not a question's is ignored: back to the top, as before.
    odd = step_url(submission, "history") + "?return=check&row=%22%3E%3Cscript%3E"
    response = patient.post(odd, step_post_data("history", answers))
    assert response["Location"] == f"/intake/{submission.token}/check/"


@pytest.mark.django_db
def test_a_change_that_reveals_questions_asks_them_first_then_comes_back_to_the_row(
    patient: Client,
) -> None:
    submission = start(patient)
    answers = vignette_answers("V48")  # no wound
    fill_until(patient, submission, answers)
    url = step_url(submission, "other_symptoms") + "?return=check&row=wound_present"
    changed = {**answers, "wound_present": "yes"}  # reveals where, how long, what it is like
    response = patient.post(url, step_post_data("other_symptoms", changed))
    assert response.status_code == 200  # the revealed questions are on this same page: asked
    assert 'href="#id_wound_location_0"' in response.content.decode()
    changed.update(wound_location=["ankle"], wound_duration="lt_2_weeks", wound_features=["none"])
    response = patient.post(url, step_post_data("other_symptoms", changed))
    assert response["Location"] == f"/intake/{submission.token}/check/#row-wound_present"


# --- Nothing escaped twice ---------------------------------------------------------------------


class _Text(HTMLParser):
    """The text a browser shows (scripts and styles left out), entities decoded once."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


ESCAPED = re.compile(r"&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);")


def assert_nothing_escaped_twice(html: str, where: str) -> None:
    assert "&amp;amp;" not in html and "&amp;lt;" not in html and "&amp;quot;" not in html, where
    reader = _Text()
    reader.feed(html)
    text = " ".join(reader.parts)
    found = ESCAPED.search(text)
    assert found is None, f"{where} shows {found and found.group(0)!r} as text"


@pytest.mark.django_db
def test_no_page_shows_escaped_text(patient: Client, other_patient: Client) -> None:
    # Every state of every page a patient meets: as first shown, refused blank, filled in; the
    # check page, refused and sent; the confirmation; resuming elsewhere, refused.
    pages: list[tuple[str, str]] = [("start", patient.get("/").content.decode())]
    answers = vignette_answers("V07")
    submission = start(patient)
    for page in steps.PAGES:  # every short page of a step too (issue 19)
        submission.refresh_from_db()
        if not page.applies(submission.answers):
            continue
        url = step_url(submission, page.key)
        pages.append((page.key, patient.get(url).content.decode()))
        refused = patient.post(url, {"action": "continue"})
        pages.append((f"{page.key} refused", refused.content.decode()))
        patient.post(url, step_post_data(page.key, answers))
    check = f"/intake/{submission.token}/check/"
    pages.append(("check", patient.get(check).content.decode()))
    pages.append(("check refused", patient.post(check, {}).content.decode()))
    resume = f"/resume/{submission.token}/"
    pages.append(
        (
            "resume refused",
            other_patient.post(resume, {"date_of_birth": ["1", "", ""]}).content.decode(),
        )
    )
    assert patient.post(check, CONSENT).status_code == 302
    pages.append(("done", patient.get(f"/intake/{submission.token}/done/").content.decode()))
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.SUBMITTED
    for where, html in pages:
        assert_nothing_escaped_twice(html, where)
    # The case that was double-escaped before: "A&E" in the check page's error summary.
    check_refused = dict(pages)["check refused"]
    assert "go to A&amp;E –" in check_refused and "A&amp;amp;E" not in check_refused

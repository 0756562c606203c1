"""The patient questions' markup (intake/questionnaire/markup.py): an accessibility contract,
held over every page of the catalogue, blank, refused and filled in.

What a patient using a screen reader, a keyboard or a phone needs of a question page: every
control has a label, and every group of options is a fieldset named by its legend; hints and
errors exist where aria-describedby points and are linked to their question; a refused answer
says so (aria-invalid, the message, "Error:"); the options are the catalogue's, and the answer
given is shown checked again; what was typed comes back escaped; the page's script finds each
question's show-if rule and the body map sits inside the fieldset of the checkboxes it drives.
The markup is read with the standard library's HTML parser, as a browser would read it, not
compared as text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from unittest import mock

import pytest
from django import forms
from django.http import QueryDict
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.utils import translation

from intake import bodymap, steps
from intake.models import Submission
from intake.questionnaire import markup
from intake.questionnaire.forms import (
    AppointmentCancelForm,
    DateInputs,
    PatientForm,
    ResumeForm,
    StepForm,
)
from intake.triage import QUESTIONS_BY_CODE, AnswerType
from tests.intake.conftest import fill_until, start, step_url
from tests.journey import identity_for, step_post_data, vignette_answers

PAGES = [pytest.param(page, id=page.code) for page in steps.STEPS]
# Typed into every field of a refused page: markup in it must come back as text.
HOSTILE = 'zz<script>alert("x")</script>&'
HOSTILE_ESCAPED = "zz&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"


# --- Reading the markup ----------------------------------------------------------------------


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None
    order: int  # position in the document
    content: list[Element | str] = field(default_factory=list)  # in document order

    @property
    def children(self) -> list[Element]:
        return [part for part in self.content if isinstance(part, Element)]

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            yield from child.walk()

    def find_all(self, tag: str, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.walk()
            if e.tag == tag and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def text(self) -> str:
        """The text inside, as read (runs of blanks as one space)."""
        parts = [part if isinstance(part, str) else part.text() for part in self.content]
        return " ".join(" ".join(parts).split())

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


VOID = {"input", "br", "img", "hr", "meta", "link"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {}, None, 0)
        self.node = self.root
        self.count = 0

    def _element(self, tag: str, attrs: list[tuple[str, str | None]]) -> Element:
        self.count += 1
        element = Element(tag, {k: v or "" for k, v in attrs}, self.node, self.count)
        self.node.content.append(element)
        return element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = self._element(tag, attrs)
        if tag not in VOID:
            self.node = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        assert self.node.tag == tag, f"</{tag}> closes <{self.node.tag}>"
        assert self.node.parent is not None
        self.node = self.node.parent

    def handle_data(self, data: str) -> None:
        self.node.content.append(data)


def read(html: str) -> Element:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    assert reader.node is reader.root, f"<{reader.node.tag}> is never closed"
    return reader.root


# --- The contract ----------------------------------------------------------------------------

CONTROLS = ("input", "select", "textarea")


def _described(element: Element) -> list[str]:
    return element.attrs.get("aria-describedby", "").split()


def assert_accessible(form: PatientForm, html: str) -> Element:
    """Everything the module docstring lists, for every field of `form` in `html`."""
    root = read(html)
    ids = [e.attrs["id"] for e in root.walk() if "id" in e.attrs]
    assert len(ids) == len(set(ids)), "an id is used twice"
    by_id = {e.attrs["id"]: e for e in root.walk() if "id" in e.attrs}
    labels = {e.attrs.get("for"): e for e in root.find_all("label")}

    for control in (e for e in root.walk() if e.tag in CONTROLS):
        # Every control is named by its own label...
        label = labels.get(control.attrs.get("id"))
        assert label is not None and label.text(), f"{control.attrs} has no label"
        # ... and whatever describes it exists.
        for target in _described(control):
            assert target in by_id, f"aria-describedby points at a missing {target}"
    for fieldset in root.find_all("fieldset"):
        legend = fieldset.children[0] if fieldset.children else None
        assert legend is not None and legend.tag == "legend" and legend.text(), "unnamed group"
        for target in _described(fieldset):
            assert target in by_id, f"aria-describedby points at a missing {target}"

    for name in form.fields:
        if name != "website":
            _assert_question(root, by_id, form[name])
    _assert_honeypot_is_last_and_hidden(root)
    return root


def _assert_question(root: Element, by_id: Mapping[str, Element], bound: forms.BoundField) -> None:
    wrapper = by_id[f"div_{bound.auto_id}"]  # the summary list's "Change" link lands here
    assert "question" in wrapper.classes and wrapper.attrs["data-question"] == bound.name
    assert ("question--error" in wrapper.classes) == bool(bound.errors), bound.name
    grouped = isinstance(bound.field.widget, forms.RadioSelect)
    dated = isinstance(bound.field.widget, DateInputs)
    # The element that names the question and carries its descriptions.
    if grouped or dated:
        (described,) = [e for e in wrapper.children if e.tag == "fieldset"]
        name = described.children[0]
        # Its own inputs: questions revealed under its options have theirs.
        inputs = [e for e in described.find_all("input") if e.attrs["name"] == bound.html_name]
    else:
        (described,) = [e for e in wrapper.walk() if e.tag in CONTROLS]
        (name,) = wrapper.find_all("label")
        inputs = [described]
    assert str(bound.label) and name.text(), bound.name

    hint = by_id.get(f"{bound.auto_id}_helptext")
    error = by_id.get(f"{bound.auto_id}_error")
    expected = []
    if bound.help_text:
        expected.append(f"{bound.auto_id}_helptext")
    if bound.errors:
        expected.append(f"{bound.auto_id}_error")
    assert _described(described) == expected, bound.name
    assert (hint is not None) == bool(bound.help_text), bound.name
    assert (error is not None) == bool(bound.errors), bound.name

    # GOV.UK's order: the question, its hint, its error, then what answers it.
    parts = [name, hint, error, inputs[0]]
    order = [part.order for part in parts if part is not None]
    assert order == sorted(order), f"{bound.name}: not label, hint, error, inputs"

    if dated:
        _assert_date_boxes(bound, inputs)
    else:
        _assert_marked(bound, inputs)
    if error is not None:
        text = error.text()
        assert text.startswith("Error:"), "the message starts with a hidden 'Error:'"
        assert error.find_all("span", **{"class": "visually-hidden"})
        for message in bound.errors:
            assert str(message) in text
    if grouped:
        _assert_options(bound, inputs)


def _label_text(label: str) -> str:
    """A label as read: markup (a SafeString) as its text, plain text as it is."""
    return read(label).text() if hasattr(label, "__html__") else label


def _assert_marked(bound: forms.BoundField, inputs: list[Element]) -> None:
    """Every input of a refused question says so; none of an accepted one does."""
    for control in inputs:
        if bound.errors:
            assert control.attrs.get("aria-invalid") == "true", bound.name
            assert "is-invalid" in control.classes, bound.name
        else:
            assert "aria-invalid" not in control.attrs and "is-invalid" not in control.classes


def _assert_date_boxes(bound: forms.BoundField, boxes: list[Element]) -> None:
    """GOV.UK's date input: Day, Month, Year, each labelled, under the field's one name; the
    day box has the field's id (what the error summary links to); an error marks a box."""
    root = boxes[0]
    while root.parent is not None:
        root = root.parent
    labels = {e.attrs.get("for"): e.text() for e in root.find_all("label")}
    assert [labels[box.attrs["id"]] for box in boxes] == ["Day", "Month", "Year"]
    assert [box.attrs["id"] for box in boxes] == [
        bound.auto_id,
        f"{bound.auto_id}_month",
        f"{bound.auto_id}_year",
    ]
    for box, part in zip(boxes, ("day", "month", "year"), strict=True):
        assert box.attrs["type"] == "text" and box.attrs["inputmode"] == "numeric"
        assert box.attrs["autocomplete"] == f"bday-{part}"
        assert "aria-describedby" not in box.attrs  # the fieldset carries hint and error
    # The boxes at fault are marked (a missing month: the month box), both ways.
    for box in boxes:
        invalid = box.attrs.get("aria-invalid") == "true"
        assert invalid == ("is-invalid" in box.classes), bound.name
        assert not invalid or bound.errors, bound.name
    if bound.errors:
        assert any(box.attrs.get("aria-invalid") == "true" for box in boxes), bound.name


def _assert_options(bound: forms.BoundField, inputs: list[Element]) -> None:
    """The options are the field's choices, in order, with Django's names, ids and types."""
    widget = bound.field.widget
    assert isinstance(widget, forms.RadioSelect)
    # A label may be markup (both wordings of the page that asks who is filling in the form).
    choices = [(str(value), _label_text(str(label))) for value, label in widget.choices]
    root = inputs[0]
    while root.parent is not None:
        root = root.parent
    labels = {e.attrs.get("for"): e.text() for e in root.find_all("label")}
    found = [(e.attrs["value"], labels[e.attrs["id"]]) for e in inputs]
    assert found == choices, bound.name
    for index, control in enumerate(inputs):
        assert control.attrs["name"] == bound.html_name
        assert control.attrs["type"] == widget.input_type
        assert control.attrs["id"] == f"{bound.auto_id}_{index}"  # the error summary's anchor


def _assert_honeypot_is_last_and_hidden(root: Element) -> None:
    (honeypot,) = root.find_all("input", name="website")
    wrapper = honeypot.parent
    assert wrapper is not None and wrapper.parent is root
    assert root.children[-1] is wrapper, "the honeypot comes last"
    assert "d-none" in wrapper.classes and wrapper.attrs["aria-hidden"] == "true"
    assert honeypot.attrs["tabindex"] == "-1" and honeypot.attrs["autocomplete"] == "off"


def checked(root: Element, name: str) -> set[str]:
    return {
        e.attrs["value"]
        for e in root.find_all("input", name=name)
        if "checked" in e.attrs and e.attrs["type"] in ("radio", "checkbox")
    }


def _page_form(page: steps.FormStep, data: Any = None, **kwargs: Any) -> StepForm:
    """The page's form: as first shown (no `data`), or as posted, validated."""
    kwargs.setdefault("saved", {})
    if data is None:
        return StepForm(step=page, **kwargs)
    form = StepForm(data, step=page, **kwargs)
    form.is_valid()
    return form


# --- Every page of the catalogue ---------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_every_page_as_first_shown_keeps_the_contract(page: steps.FormStep) -> None:
    form = _page_form(page)
    root = assert_accessible(form, form.as_questions())
    assert not root.find_all("div", **{"class": "invalid-feedback"})


@pytest.mark.parametrize("page", PAGES)
def test_every_page_sent_blank_keeps_the_contract_with_its_errors(page: steps.FormStep) -> None:
    answers = vignette_answers()
    # The answers of the earlier pages, so that questions shown by them are asked (and refused).
    saved = {k: v for k, v in answers.items() if k not in {q.code for q in page.questions}}
    form = _page_form(page, QueryDict(), saved=saved)
    assert form.errors, "a blank page is refused"
    assert_accessible(form, form.as_questions())


@pytest.mark.parametrize("page", PAGES)
def test_every_page_with_markup_typed_everywhere_shows_it_as_text(page: steps.FormStep) -> None:
    posted = QueryDict(mutable=True)  # as a browser posts it: a list for checkboxes
    for question in page.questions:
        posted.setlist(question.code, [HOSTILE])
    if page.collects_identity:
        for name in ("full_name", "date_of_birth", "email", "phone", "gp_practice", "nhs_number"):
            posted[name] = HOSTILE
    form = _page_form(page, posted)
    html = form.as_questions()
    assert_accessible(form, html)
    assert "<script>" not in html
    assert HOSTILE_ESCAPED in html  # in a value, a textarea or the message quoting it


@pytest.mark.parametrize("page", PAGES)
def test_saved_answers_are_shown_checked_and_filled_in(page: steps.FormStep) -> None:
    answers = vignette_answers("V07")
    identity = identity_for(answers)
    form = _page_form(page, saved=answers, identity=identity)
    root = assert_accessible(form, form.as_questions())
    for question in page.questions:
        saved = answers.get(question.code)
        if question.choices or question.type is AnswerType.SCALE_0_10:
            values = saved if isinstance(saved, list) else ([] if saved is None else [saved])
            assert checked(root, question.code) == {str(v) for v in values}, question.code
        elif saved is not None:
            (control,) = [e for e in root.walk() if e.attrs.get("name") == question.code]
            shown = control.text() if control.tag == "textarea" else control.attrs["value"]
            assert shown == str(saved), question.code
    if page.collects_identity:
        for name, value in identity.items():
            if name == "date_of_birth":
                day, month, year = root.find_all("input", name=name)
                born = dt.date.fromisoformat(str(value))
                boxes = [day.attrs["value"], month.attrs["value"], year.attrs["value"]]
                assert boxes == [str(born.day), str(born.month), str(born.year)]
            elif value and name != "preferred_contact":
                (control,) = root.find_all("input", name=name)
                assert control.attrs["value"] == str(value), name
        assert checked(root, "preferred_contact") == {identity["preferred_contact"]}


@pytest.mark.parametrize("page", PAGES)
def test_posted_answers_are_shown_checked_again(page: steps.FormStep) -> None:
    answers = vignette_answers("V02")
    data = QueryDict(mutable=True)
    for name, value in step_post_data(page.code, answers).items():
        data.setlist(name, value if isinstance(value, list) else [value])
    form = _page_form(page, data, saved=answers)
    root = assert_accessible(form, form.as_questions())
    for question in page.questions:
        if isinstance(form.fields[question.code].widget, forms.RadioSelect):
            assert checked(root, question.code) == set(data.getlist(question.code)), question.code


@pytest.mark.parametrize("page", PAGES)
def test_conditional_questions_carry_their_rule_for_the_pages_script(
    page: steps.FormStep,
) -> None:
    root = read(_page_form(page).as_questions())
    for question in page.questions:
        (wrapper,) = root.find_all("div", data_question=question.code)
        if question.show_if is None:
            assert "data-show-if" not in wrapper.attrs
        else:
            assert json.loads(wrapper.attrs["data-show-if"]) == question.show_if.to_dict()


def test_optional_questions_say_so_in_their_label_and_required_ones_do_not() -> None:
    # Required questions carry no asterisk (GOV.UK): the others say "(optional)".
    for page in steps.STEPS:
        form = _page_form(page)
        for question in page.questions:
            label = str(form.fields[question.code].label)
            assert ("(optional)" in label) == (not question.required), question.code


def test_the_identity_fields_help_browsers_and_phones_fill_them_in() -> None:
    root = read(_page_form(steps.STEPS_BY_CODE[steps.IDENTITY_STEP]).as_questions())
    expected = {
        "full_name": {"type": "text", "autocomplete": "name", "spellcheck": "false"},
        "email": {"type": "email", "autocomplete": "email", "spellcheck": "false"},
        "phone": {"type": "tel", "autocomplete": "tel"},
        "nhs_number": {"inputmode": "numeric", "spellcheck": "false"},
    }
    for name, attrs in expected.items():
        (control,) = root.find_all("input", name=name)
        assert {k: control.attrs.get(k) for k in attrs} == attrs, name
    # The date of birth: three boxes with the number pad, each autofilled with its part.
    boxes = root.find_all("input", name="date_of_birth")
    assert [(b.attrs["type"], b.attrs["inputmode"], b.attrs["autocomplete"]) for b in boxes] == [
        ("text", "numeric", "bday-day"),
        ("text", "numeric", "bday-month"),
        ("text", "numeric", "bday-year"),
    ]


def test_number_questions_ask_for_the_number_pad() -> None:
    # (Age is worked out from the date of birth, not asked.)
    numbers = [
        (page, q) for page in steps.STEPS for q in page.questions if q.type is AnswerType.NUMBER
    ]
    assert numbers
    for page, question in numbers:
        (control,) = read(_page_form(page).as_questions()).find_all("input", name=question.code)
        assert control.attrs["inputmode"] == "numeric", question.code


def test_pain_scores_are_options_side_by_side() -> None:
    root = read(_page_form(steps.STEPS_BY_CODE["where_it_hurts"]).as_questions())
    options = root.find_all("input", name="pain_score_now")
    assert [e.attrs["value"] for e in options] == [str(n) for n in range(11)]
    for option in options:
        assert option.parent is not None and "form-check-inline" in option.parent.classes


# --- The body map --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(bodymap.FIELDS))
def test_the_body_map_is_inside_its_questions_fieldset_before_the_checkboxes(code: str) -> None:
    page = steps.STEPS_BY_CODE[QUESTIONS_BY_CODE[code].step]
    form = _page_form(page, QueryDict())  # refused: hint and error in place too
    root = assert_accessible(form, form.as_questions())
    (picture,) = root.find_all("div", data_bodymap_field=code)
    fieldset = next(e for e in picture.ancestors() if e.tag == "fieldset")  # its question's
    first_box = fieldset.find_all("input")[0]
    assert first_box.attrs["name"] == code and first_box.attrs["type"] == "checkbox"
    before = [e for e in fieldset.children if e.order < picture.order]
    assert before[0].tag == "legend"
    assert picture.order < first_box.order
    assert "hidden" in picture.attrs  # until its script has wired it to the checkboxes


@override_settings(DEBUG=False)
def test_the_body_map_is_rendered_once_per_language() -> None:
    markup._BODYMAPS.clear()
    page = steps.STEPS_BY_CODE["where_it_hurts"]
    with mock.patch.object(markup, "render_to_string", wraps=render_to_string) as render:
        first = _page_form(page).as_questions()
        assert _page_form(page).as_questions() == first
        assert render.call_count == 1
        with translation.override("cy"):
            _page_form(page).as_questions()
        assert render.call_count == 2


@override_settings(DEBUG=True)
def test_with_debug_on_the_body_map_is_rendered_every_time() -> None:
    markup._BODYMAPS.clear()
    page = steps.STEPS_BY_CODE["where_it_hurts"]
    with mock.patch.object(markup, "render_to_string", wraps=render_to_string) as render:
        _page_form(page).as_questions()
        _page_form(page).as_questions()
    assert render.call_count == 2


# --- The other patient forms, and what the writer refuses --------------------------------------


def test_the_resume_form_asks_for_the_date_of_birth_as_a_required_date() -> None:
    form = ResumeForm({"date_of_birth": HOSTILE, "website": ""})
    assert not form.is_valid()
    html = form.as_questions()
    root = assert_accessible(form, html)
    day, month, year = root.find_all("input", name="date_of_birth")
    assert all("required" in box.attrs for box in (day, month, year))
    # A whole "date" posted at once (not from the page) comes back in the day box, as text.
    assert day.attrs["value"] == HOSTILE and HOSTILE_ESCAPED in html
    assert "value" not in month.attrs and "value" not in year.attrs


def test_the_cancel_form_keeps_what_was_typed_in_its_textarea() -> None:
    form = AppointmentCancelForm({"reason": HOSTILE * 30})
    assert not form.is_valid()  # too long: the error is shown, the text kept
    html = form.as_questions()
    root = assert_accessible(form, html)
    (area,) = root.find_all("textarea", name="reason")
    assert area.text() == HOSTILE * 30 and "required" not in area.attrs
    assert '<textarea name="reason"' in html and "<script>" not in html


class _Choosing(PatientForm):
    colour = forms.ChoiceField(
        label="Favourite <colour>",
        help_text="Pick one",
        choices=[("", "Choose"), ('r"<', "Red & orange"), ("g", "Green")],
        widget=forms.Select,
    )


def test_a_select_is_a_labelled_control_with_its_option_selected() -> None:
    form = _Choosing({"colour": "g"})
    assert form.is_valid()
    html = form.as_questions()
    root = assert_accessible(form, html)
    (select,) = root.find_all("select", name="colour")
    assert "form-select" in select.classes
    options = [(e.attrs["value"], e.text(), "selected" in e.attrs) for e in select.children]
    assert options == [
        ("", "Choose", False),
        ('r"<', "Red & orange", False),
        ("g", "Green", True),
    ]
    assert 'value="r&quot;&lt;"' in html
    assert "Favourite &lt;colour&gt;" in html


class _Picking(PatientForm):
    # Codes and labels from the catalogue are plain words; the writer escapes them anyway.
    pick = forms.MultipleChoiceField(
        label="Which?",
        choices=[('a"<b>', "A <b>bold</b> & odd"), ("plain", "Plain")],
        widget=forms.CheckboxSelectMultiple,
    )


def test_option_values_and_labels_are_escaped() -> None:
    form = _Picking({"pick": ['a"<b>']})
    assert form.is_valid()
    html = form.as_questions()
    root = assert_accessible(form, html)
    assert checked(root, "pick") == {'a"<b>'}
    assert 'value="a&quot;&lt;b&gt;"' in html and "A &lt;b&gt;bold&lt;/b&gt; &amp; odd" in html


class _Agreeing(PatientForm):
    agree = forms.BooleanField(required=False)


def test_a_widget_the_writer_does_not_know_is_refused_not_guessed() -> None:
    with pytest.raises(TypeError, match="CheckboxInput"):
        _Agreeing().as_questions()


# --- On the page ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_error_summary_links_land_on_the_refused_questions(patient: Client) -> None:
    submission: Submission = start(patient)
    fill_until(patient, submission, vignette_answers(), stop_before="where_it_hurts")
    response = patient.post(step_url(submission, "where_it_hurts"), {"action": "continue"})
    assert response.status_code == 200
    root = read(response.content.decode())
    (summary,) = [e for e in root.walk() if "data-error-summary" in e.attrs]
    targets = [a.attrs["href"].removeprefix("#") for a in summary.find_all("a")]
    assert targets
    ids = {e.attrs["id"]: e for e in root.walk() if "id" in e.attrs}
    for target in targets:
        assert target in ids and ids[target].tag in CONTROLS, target
        assert ids[target].attrs.get("aria-invalid") == "true"

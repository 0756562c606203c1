"""Patient forms, generated from the question catalogue; their questions' markup is written by
markup.py (`as_questions`).

Field names are the question codes and choice values are the choice codes, so the form is
scriptable and answers are stored as codes. Clinical validation (required-if-visible, bounds,
"none" on its own, must-be-yes) is the catalogue's `triage.validate()`: this module only turns
form input into answer values and puts each problem next to its field. Every field is
`required=False` for Django because whether a question is required depends on the answers.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from django import forms
from django.forms.utils import ErrorDict
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import format_lazy
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from intake import bodymap, triage
from intake.identity import (
    IDENTITY_HELPER_LABELS,
    IDENTITY_HELPER_REQUIRED_MESSAGES,
    IDENTITY_LABELS,
    IDENTITY_REQUIRED,
    IDENTITY_REQUIRED_MESSAGES,
    age_on,
    is_ascii_digits,
    nhs_number_is_valid,
    phone_problem,
)
from intake.models import ContactMethod
from intake.questionnaire import markup
from intake.steps import FormStep, StrOrPromise
from intake.triage import AnswerType, Choice, Question

# Longest free text we accept in any identity field; the catalogue sets its own limits.
NAME_MAX = 200
_HONEYPOT = "website"


# --- Building fields from the catalogue -------------------------------------------------------


# --- Whose wording: the patient's, or a helper's (issue 19) ------------------------------------

# "Who is filling in this form?" and the answer of someone filling it in for the patient.
COMPLETED_BY = "completed_by"
HELPER = "helper"


class Wording(StrEnum):
    """Which wording a form shows: the patient's ("you"), a helper's ("the patient"), or, on the
    page that asks who is filling in the form, both, with the one that fits the answer given so
    far shown and the other hidden (`hidden`), which the page's script swaps when the answer
    changes (static/questionnaire/js/wording.js); without the script the server's choice stays.
    """

    PATIENT = "patient"
    HELPER = "helper"
    BOTH_PATIENT_SHOWN = "both_patient"
    BOTH_HELPER_SHOWN = "both_helper"

    @property
    def shown(self) -> str:
        """The wording in sight: "patient" or "helper"."""
        return "helper" if self in (Wording.HELPER, Wording.BOTH_HELPER_SHOWN) else "patient"

    @property
    def both(self) -> bool:
        return self in (Wording.BOTH_PATIENT_SHOWN, Wording.BOTH_HELPER_SHOWN)


def wording_for(
    step: FormStep, saved: Mapping[str, object], data: Mapping[str, Any] | None
) -> Wording:
    """The wording of a page: by the answer to "Who is filling in this form?" as posted (on
    the page that asks it) or as saved (on every later page)."""
    if any(q.code == COMPLETED_BY for q in step.questions):
        value = data.get(COMPLETED_BY) if data is not None else saved.get(COMPLETED_BY)
        helper = value == HELPER
        return Wording.BOTH_HELPER_SHOWN if helper else Wording.BOTH_PATIENT_SHOWN
    return Wording.HELPER if saved.get(COMPLETED_BY) == HELPER else Wording.PATIENT


def worded(patient: str, helper: str, wording: Wording) -> str:
    """HTML for a text in the page's wording: `patient` and `helper` are escaped HTML already.
    With both wordings, each is in a <span data-wording>, the one not in sight `hidden`."""
    if not helper or helper == patient:
        return patient
    if not wording.both:
        return helper if wording.shown == "helper" else patient
    hide_patient, hide_helper = (" hidden", "") if wording.shown == "helper" else ("", " hidden")
    return (
        f'<span data-wording="patient"{hide_patient}>{patient}</span>'
        f'<span data-wording="helper"{hide_helper}>{helper}</span>'
    )


# --- Building fields from the catalogue -------------------------------------------------------


def _per_language(
    build: Callable[[Question, Wording], SafeString],
) -> Callable[..., SafeString]:
    """`build(question, wording)`, worked out once per question, wording and language. A
    field's label and hint are lazy, and a page reads each several times (legend, error summary,
    described-by), each time through gettext and escaping; the result is the same for every
    patient."""
    memo: dict[tuple[str, Wording, str | None], SafeString] = {}

    @functools.wraps(build)
    def text(question: Question, wording: Wording = Wording.PATIENT) -> SafeString:
        key = (question.code, wording, get_language())
        found = memo.get(key)
        if found is None:
            found = memo[key] = build(question, wording)
        return found

    return text


def _emphasised(text: str, question: Question) -> str:
    """A wording, escaped, with the spec's emphasised words in <strong>."""
    # Catalogue texts are plain English data (intake/triage cannot import Django); they pass
    # through gettext here so a translation catalogue can supply them.
    html = str(conditional_escape(_(text)))
    for phrase in question.emphasis:
        escaped = str(conditional_escape(_(phrase)))
        html = html.replace(escaped, f"<strong>{escaped}</strong>", 1)
    return html


@_per_language
def question_label(question: Question, wording: Wording = Wording.PATIENT) -> SafeString:
    """The question's wording, escaped, with the spec's emphasised words in <strong>."""
    if question.helper_text and wording is not Wording.PATIENT:
        helper = _emphasised(question.helper_text, question)
        patient = "" if wording is Wording.HELPER else _emphasised(question.text, question)
        html = worded(patient, helper, wording)
    else:
        html = _emphasised(question.text, question)
    if not question.required:
        html += str(format_html(" <span class='optional'>{}</span>", _("(optional)")))
    return mark_safe(html)  # noqa: S308 - every piece above was escaped first


# The step-1 question the patient agrees to: its hint links to the privacy notice (issue 18).
PRIVACY_QUESTION = "privacy_ack"


def privacy_link() -> SafeString:
    """A link to the privacy notice that opens in a new tab, and says so: on a question page,
    the answers typed so far are saved only by Continue, and a link in the same tab would lose
    them (GOV.UK's advice for links inside a form). noopener: the notice gets no handle on
    the form's window."""
    return format_html(
        '<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>',
        reverse("intake:privacy"),
        _("Read our privacy notice (opens in a new tab)"),
    )


@_per_language
def _hint(question: Question, wording: Wording = Wording.PATIENT) -> SafeString:
    # Escaped once here; markup.py keeps a SafeString as it is. The catalogue is pure data and
    # knows no URLs: the privacy question's link is added here.
    if not question.hint:
        hint = SafeString("")
    elif not question.helper_hint or wording is Wording.PATIENT:
        hint = conditional_escape(_(question.hint))
    else:
        patient = str(conditional_escape(_(question.hint)))
        helper = str(conditional_escape(_(question.helper_hint)))
        hint = mark_safe(worded(patient, helper, wording))  # noqa: S308 - escaped above
    if question.code == PRIVACY_QUESTION:
        hint = format_html("{} {}", hint, privacy_link()) if hint else privacy_link()
    return hint


def required_message(question: Question, wording: Wording) -> str:
    """The catalogue's message for the question left unanswered, in the wording in sight ("" if
    it has none: the engine's generic message then)."""
    if wording.shown == "helper" and question.helper_error_message:
        return _(question.helper_error_message)
    return _(question.error_message) if question.error_message else ""


def _choice_label(choice: Choice, wording: Wording) -> str:
    if not choice.helper_label:
        return _(choice.label)
    patient = str(conditional_escape(_(choice.label)))
    helper = str(conditional_escape(_(choice.helper_label)))
    return mark_safe(worded(patient, helper, wording))  # noqa: S308 - escaped above


class _SharedChoices:
    """For fields whose choices are built once from the catalogue and never changed: a form's
    copy of the field shares them. Django deep-copies every (code, label) pair of the field and
    normalises the widget's list again for each form instance; the state a form may change (the
    widget's attributes, error messages, validators) is still copied, as Django copies it."""

    # Provided by the forms.Field this is mixed into (named here for the type checker).
    widget: forms.Widget
    error_messages: dict[str, Any]
    validators: list[Any]

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        result = copy.copy(self)
        memo[id(self)] = result
        widget = copy.copy(self.widget)
        widget.attrs = widget.attrs.copy()
        result.widget = widget
        result.error_messages = self.error_messages.copy()
        result.validators = self.validators[:]
        return result


class CatalogueChoiceField(_SharedChoices, forms.ChoiceField):
    pass


class CatalogueMultipleChoiceField(_SharedChoices, forms.MultipleChoiceField):
    pass


class CatalogueTypedChoiceField(_SharedChoices, forms.TypedChoiceField):
    pass


def field_for(question: Question, wording: Wording = Wording.PATIENT) -> forms.Field:
    """A Django form field for one catalogue question (`required=False`: see module doc), in
    the given wording. Its "required" error message is the question's own, which the form gives
    when the question is shown and left unanswered (`StepForm.clean`).

    Texts are lazy, so one field built at import serves every request in its own language.
    """
    common: dict[str, Any] = {
        "label": lazy(question_label, SafeString)(question, wording),
        "required": False,
        "help_text": lazy(_hint, SafeString)(question, wording),
        "error_messages": {"required": lazy(required_message, str)(question, wording)},
    }
    choices = [(c.code, lazy(_choice_label, str)(c, wording)) for c in question.choices]
    if question.type in (AnswerType.YES_NO, AnswerType.YES_NO_UNSURE, AnswerType.SINGLE):
        return CatalogueChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if question.type is AnswerType.MULTI:
        return CatalogueMultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if question.type is AnswerType.SCALE_0_10:
        scale = [(str(n), str(n)) for n in range(11)]
        return CatalogueTypedChoiceField(
            choices=scale, coerce=int, empty_value=None, widget=forms.RadioSelect, **common
        )
    if question.type is AnswerType.NUMBER:
        # Bounds are checked by the catalogue; inputmode gives phones a number pad.
        number = forms.TextInput(attrs={"inputmode": "numeric", "class": "input-width-5"})
        return forms.IntegerField(widget=number, max_value=10**6, min_value=-(10**6), **common)
    if question.type is AnswerType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    max_length = question.max_length or 1000
    if question.text_format == "phone":
        widget: forms.Widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
    else:
        widget = forms.Textarea(attrs={"rows": 4})
    return forms.CharField(max_length=max_length, widget=widget, strip=True, **common)


# Every question's field, built once (building them per request was a fifth of a step's cost):
# in the patient's wording at import, in each other wording when first needed.
FIELDS: dict[str, forms.Field] = {q.code: field_for(q) for q in triage.QUESTIONS}
_FIELDS_BY_WORDING: dict[Wording, dict[str, forms.Field]] = {Wording.PATIENT: FIELDS}


def fields_in(wording: Wording) -> dict[str, forms.Field]:
    """Every question's field in `wording` (built once per process)."""
    found = _FIELDS_BY_WORDING.get(wording)
    if found is None:
        found = _FIELDS_BY_WORDING[wording] = {
            q.code: field_for(q, wording) for q in triage.QUESTIONS
        }
    return found


def presentation_for(question: Question) -> markup.Presentation:
    """How a question is shown beyond its field: its show-if rule for the page's script, 0-10
    scales side by side, the body map above the places it can tick, the answer it is revealed
    under, "or" before an exclusive "None of these"."""
    return markup.Presentation(
        show_if=json.dumps(question.show_if.to_dict()) if question.show_if is not None else "",
        inline=question.type is AnswerType.SCALE_0_10,
        bodymap=question.code in bodymap.FIELDS,
        # Issue 19: shown under the answer that reveals it; "or" before "None of these".
        reveal=markup.revealed_by(question),
        exclusive_none=question.exclusive_none,
    )


PRESENTATIONS: dict[str, markup.Presentation] = {
    q.code: presentation_for(q) for q in triage.QUESTIONS
}


def value_from(question: Question, cleaned: object) -> object:
    """A cleaned form value as a stored answer (blank → None, multi → list)."""
    if question.type is AnswerType.MULTI:
        return list(cast("Iterable[str]", cleaned)) if cleaned else []
    if cleaned in ("", None):
        return None
    if isinstance(cleaned, dt.date):
        return cleaned.isoformat()
    return cleaned


# --- Forms -------------------------------------------------------------------------------------


class PatientForm(forms.Form):
    """Base for patient-facing forms: a honeypot field that people never see or fill in, and
    the questions' markup (`{{ form.as_questions }}`)."""

    # How each field is shown beyond the field itself, by name (markup.PLAIN if not listed).
    presentations: Mapping[str, markup.Presentation] = {}

    website = forms.CharField(
        required=False,
        label=gettext_lazy("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_website(self) -> str:
        if self.cleaned_data.get(_HONEYPOT):
            raise forms.ValidationError(_("Leave this field empty."), code="honeypot")
        return ""

    @property
    def is_bot(self) -> bool:
        return any(e.code == "honeypot" for e in self.errors.as_data().get(_HONEYPOT, []))

    def as_questions(self) -> SafeString:
        """Every question of the form as HTML, the honeypot last (markup.py)."""
        return markup.questions(self, self.presentations, honeypot=_HONEYPOT)


class StepForm(PatientForm):
    """One questionnaire page, its fields generated from the catalogue.

    `saved` is the draft's answers so far: visibility and required-ness are decided on them
    plus this page's input, exactly as the engine will decide them.
    """

    presentations = PRESENTATIONS

    def __init__(
        self,
        *args: Any,
        step: FormStep,
        saved: Mapping[str, object],
        identity: Mapping[str, object] | None = None,
        today: dt.date | None = None,
        **kwargs: Any,
    ) -> None:
        self.step = step
        self.saved = saved  # read only: clean() merges it into a new dict
        self.today = today or dt.date.today()  # noqa: DTZ011 - views pass the clinic's date
        data = args[0] if args else kwargs.get("data")
        bound = data is not None
        if "initial" not in kwargs and not bound:  # a posted form shows what was posted
            kwargs["initial"] = self._initial(saved, identity or {})
        super().__init__(*args, **kwargs)
        self.wording = wording_for(step, saved, data)
        self.under_18 = False
        self.step_answers: dict[str, object] = {}
        self.identity: dict[str, object] = {}
        # The answers (and identity details) on this page that are valid on their own, even
        # when the page as a whole is not: what the engine may read before validation has
        # passed, so that an emergency answer is never held back by a blank elsewhere.
        self.valid_answers: dict[str, object] = {}
        self.valid_identity: dict[str, object] = {}
        if step.collects_identity:
            self.fields.update(IdentityFields.in_wording(self.wording))
        fields = fields_in(self.wording)
        for question in step.questions:
            # A copy per form: Django binds errors and widget state to field instances.
            self.fields[question.code] = copy.deepcopy(fields[question.code])

    @property
    def asks_who_is_filling_in(self) -> bool:
        """Whether the page asks "Who is filling in this form?" (it then carries both wordings
        and the script that swaps them)."""
        return self.wording.both

    def without_errors(self) -> StepForm:
        """Show what was typed, as typed, without validating it (a page saved for later and
        opened again: validation happens on Continue only). Returns the form."""
        self._errors = ErrorDict()
        return self

    def _initial(
        self, saved: Mapping[str, object], identity: Mapping[str, object]
    ) -> dict[str, object]:
        initial = {q.code: saved.get(q.code) for q in self.step.questions}
        if self.step.collects_identity:
            initial.update({k: identity.get(k) for k in IdentityFields.base_fields})
        return initial

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.step.collects_identity:
            self._clean_identity(cleaned)
        step_answers = {
            q.code: value_from(q, cleaned.get(q.code))
            for q in self.step.questions
            if q.code not in self.errors
        }
        merged = {**self.saved, **step_answers}
        if self.step.collects_identity:
            merged["age_years"] = self.identity.get("age_years")
        shown = set(triage.visible_codes(merged))
        invalid = set()
        for problem in triage.validate(merged, complete=True, steps=[self.step.code], shown=shown):
            if problem.kind != "required":
                invalid.add(problem.code)
            if problem.code in self.fields and problem.code not in self.errors:
                self.add_error(problem.code, self._message(problem))
        # A question hidden by this page's answers is stored as unanswered, never kept stale.
        self.step_answers = {
            code: value if code in shown else ([] if isinstance(value, list) else None)
            for code, value in step_answers.items()
        }
        self.valid_answers = {
            code: value for code, value in self.step_answers.items() if code not in invalid
        }
        if self.step.collects_identity:
            self.step_answers["age_years"] = merged["age_years"]
            self.valid_identity = {
                name: value for name, value in self.identity.items() if name not in self.errors
            }
            if "age_years" not in invalid and not self.under_18:
                self.valid_answers["age_years"] = merged["age_years"]
        return cleaned

    def _message(self, problem: triage.Problem) -> str:
        """A problem's message for the patient: an unanswered question's own, if it has one."""
        if problem.kind == "required":
            message = str(self.fields[problem.code].error_messages.get("required") or "")
            if message:
                return message
        return problem.text(_)

    def _clean_identity(self, cleaned: dict[str, Any]) -> None:
        for name in IDENTITY_REQUIRED:
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, self.fields[name].error_messages["required"])
        phone = cleaned.get("phone")
        if phone and (message := phone_problem(phone)):
            self.add_error("phone", message)
        digits = "".join(
            ch for ch in cleaned.get("nhs_number") or "" if ch.isdigit() or ch.isalpha()
        )
        if digits and not nhs_number_is_valid(digits):
            self.add_error("nhs_number", _("Enter a valid 10-digit NHS number, or leave it blank."))
        elif "nhs_number" in cleaned:
            cleaned["nhs_number"] = digits
        dob = cleaned.get("date_of_birth")
        age = None
        if dob is not None and "date_of_birth" not in self.errors:
            age = age_on(dob, self.today)
            if dob > self.today:
                self.add_error("date_of_birth", _("Date of birth must be in the past."))
            elif age > 120:
                self.add_error("date_of_birth", _("Check the year of your date of birth."))
            elif age < 18:
                self.under_18 = True
        self.identity = {
            name: (value.isoformat() if isinstance(value, dt.date) else value)
            for name in IdentityFields.base_fields
            if (value := cleaned.get(name)) not in (None, "")
        }
        self.identity["age_years"] = age


def _worded(patient: StrOrPromise, helper: StrOrPromise, wording: Wording) -> SafeString:
    text = worded(str(conditional_escape(patient)), str(conditional_escape(helper)), wording)
    return mark_safe(text)  # noqa: S308 - both escaped here


_worded_lazy = lazy(_worded, SafeString)


def _optional(label: StrOrPromise) -> StrOrPromise:
    """ "GP practice (optional)": an optional detail's label, as the form shows it."""
    return format_lazy("{} {}", label, gettext_lazy("(optional)"))


# --- Date of birth in three boxes (issue 19) ------------------------------------------------------
#
# The GOV.UK date input: day, month and year, each a box of its own with the number pad, instead of
# a browser's date picker (slow for a 1950s birth year, and showing mm/dd/yyyy to a UK patient).
# The three boxes share the field's name, so a page posts `date_of_birth` three times, in page
# order (day, month, year): whatever keeps a page's posted values by field name (the input held
# when an emergency answer interrupts a page, or a page saved for later) keeps them whole. One
# value alone is a whole date as written elsewhere (1980-03-27, 27/03/1980...): what scripts and
# tests post, and what a page held before this change holds.

DATE_PARTS = ("day", "month", "year")
_WHOLE_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %m %Y", "%d.%m.%Y")

# GOV.UK's messages for a date that is incomplete or not a date, and which boxes each one marks.
DATE_MESSAGES = {
    "day": gettext_lazy("Date of birth must include a day."),
    "month": gettext_lazy("Date of birth must include a month."),
    "year": gettext_lazy("Date of birth must include a year."),
    "day month": gettext_lazy("Date of birth must include a day and month."),
    "day year": gettext_lazy("Date of birth must include a day and year."),
    "month year": gettext_lazy("Date of birth must include a month and year."),
    "real": gettext_lazy("Date of birth must be a real date."),
    "year_digits": gettext_lazy("Year must include 4 numbers."),
}


@dataclass(frozen=True)
class DateReading:
    """What three boxes say: a date, or why not (a DATE_MESSAGES key) and the boxes at fault.
    Nothing typed at all is neither: `date` and `problem` both None."""

    date: dt.date | None = None
    problem: str | None = None
    boxes: frozenset[str] = frozenset()


def read_date_parts(day: str, month: str, year: str) -> DateReading:
    """The date in three boxes, read as GOV.UK's date input reads it (blanks around the numbers
    and leading zeros are fine; a two-digit year is not)."""
    parts = {"day": day.strip(), "month": month.strip(), "year": year.strip()}
    missing = [name for name in DATE_PARTS if not parts[name]]
    if len(missing) == len(DATE_PARTS):
        return DateReading()
    if missing:
        return DateReading(problem=" ".join(missing), boxes=frozenset(missing))
    not_numbers = frozenset(name for name in DATE_PARTS if not is_ascii_digits(parts[name]))
    if not_numbers:
        return DateReading(problem="real", boxes=not_numbers)
    if len(parts["year"]) != 4:
        return DateReading(problem="year_digits", boxes=frozenset({"year"}))
    number = {name: int(parts[name]) for name in DATE_PARTS}
    out_of_range = frozenset(
        name for name, top in (("day", 31), ("month", 12)) if not 1 <= number[name] <= top
    )
    if out_of_range:
        return DateReading(problem="real", boxes=out_of_range)
    try:
        return DateReading(date=dt.date(number["year"], number["month"], number["day"]))
    except ValueError:  # 30 February, 31 April...
        return DateReading(problem="real", boxes=frozenset({"day"}))


def date_parts_of(value: object) -> tuple[str, str, str]:
    """The three boxes' contents for a value: as typed (a bound form), or worked out from a
    date or a stored ISO date. A single string that is no date goes back in the day box, so
    nothing typed is ever dropped from the page."""
    if isinstance(value, list | tuple) and len(value) == len(DATE_PARTS):
        day, month, year = (str(part) for part in value)
        return day, month, year
    if isinstance(value, list | tuple):
        return (" ".join(str(part) for part in value), "", "")
    if value is None or value == "":
        return ("", "", "")
    if isinstance(value, dt.date):
        return (str(value.day), str(value.month), str(value.year))
    found = _whole_date(str(value))
    if found is None:
        return (str(value), "", "")
    return (str(found.day), str(found.month), str(found.year))


def _whole_date(text: str) -> dt.date | None:
    for date_format in _WHOLE_DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), date_format).date()  # noqa: DTZ007 - a date
        except ValueError:
            continue
    return None


class DateInputs(forms.Widget):
    """Day, month and year boxes under one name (markup.py writes them, in a fieldset)."""

    use_fieldset = True  # named by a legend; Django then leaves aria-describedby to the fieldset

    # Each box's own attributes; the day box has the field's id, so links to the field land on it.
    BOXES = {
        "day": {"autocomplete": "bday-day", "class": "input-width-2"},
        "month": {"autocomplete": "bday-month", "class": "input-width-2"},
        "year": {"autocomplete": "bday-year", "class": "input-width-4 date-input__year"},
    }

    def date_boxes(self, value: object) -> list[tuple[str, str, str, dict[str, str]]]:
        """Per box, in order: its part, label, contents and own attributes (for markup.py)."""
        labels = {"day": _("Day"), "month": _("Month"), "year": _("Year")}
        return [
            (part, labels[part], text, dict(self.BOXES[part]))
            for part, text in zip(DATE_PARTS, date_parts_of(value), strict=True)
        ]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> object:
        values = data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        if isinstance(values, list | tuple):
            values = [str(v) for v in values]
            if len(values) == 1:
                return values[0]
            return values or None
        return values

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data


class DateOfBirthField(forms.Field):
    """A date of birth from three boxes (or one whole date: see above), with GOV.UK's messages."""

    widget = DateInputs

    def __init__(self, *, help_text: Any = None, **kwargs: Any) -> None:
        # GOV.UK's hint for the date input: numbers as they go in the boxes.
        hint = gettext_lazy("For example, 27 3 1980.") if help_text is None else help_text
        super().__init__(help_text=hint, **kwargs)

    def to_python(self, value: object) -> dt.date | None:
        if isinstance(value, list | tuple) and len(value) == len(DATE_PARTS):
            reading = read_date_parts(*(str(part) for part in value))
            if reading.problem is not None:
                raise forms.ValidationError(DATE_MESSAGES[reading.problem], code="invalid")
            return reading.date
        if isinstance(value, list | tuple):
            if not any(str(part).strip() for part in value):
                return None
            raise forms.ValidationError(DATE_MESSAGES["real"], code="invalid")
        if value in self.empty_values or not str(value).strip():
            return None
        found = _whole_date(str(value)[:40])
        if found is None:
            raise forms.ValidationError(DATE_MESSAGES["real"], code="invalid")
        return found

    def boxes_in_error(self, value: object) -> frozenset[str]:
        """The boxes to mark when the field has an error: the ones at fault if the boxes do
        not make a date, else all three (nothing typed, in the future, does not match...)."""
        parts = date_parts_of(value)
        reading = read_date_parts(*parts)
        if reading.problem is not None and isinstance(value, list | tuple):
            return reading.boxes
        return frozenset(DATE_PARTS)


class IdentityFields(forms.Form):
    """Who the patient is (step 1). Stored on the Patient record, not in the triage answers."""

    # The email hint, in a helper's wording (issue 19).
    HELPER_EMAIL_HINT = gettext_lazy("We send the reference and any links to this address.")

    @classmethod
    def in_wording(cls, wording: Wording) -> dict[str, forms.Field]:
        """A form's own copy of the fields, their texts in `wording` (see `Wording`), each
        required detail's message as its "required" error message."""
        fields = cls().fields
        for name in IDENTITY_REQUIRED:
            message = IDENTITY_REQUIRED_MESSAGES[name]
            if wording.shown == "helper":
                message = IDENTITY_HELPER_REQUIRED_MESSAGES.get(name, message)
            fields[name].error_messages["required"] = message
        if wording is not Wording.PATIENT:
            for name, label in IDENTITY_HELPER_LABELS.items():
                fields[name].label = _worded_lazy(IDENTITY_LABELS[name], label, wording)
            email = fields["email"]
            email.help_text = _worded_lazy(email.help_text, cls.HELPER_EMAIL_HINT, wording)
        return fields

    full_name = forms.CharField(
        label=IDENTITY_LABELS["full_name"],
        max_length=NAME_MAX,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    date_of_birth = DateOfBirthField(label=IDENTITY_LABELS["date_of_birth"], required=False)
    email = forms.EmailField(
        label=IDENTITY_LABELS["email"],
        help_text=gettext_lazy("We send your reference and any links to this address."),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={"invalid": gettext_lazy("Enter an email address like name@example.com.")},
    )
    phone = forms.CharField(
        label=IDENTITY_LABELS["phone"],
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    preferred_contact = forms.ChoiceField(
        label=IDENTITY_LABELS["preferred_contact"],
        choices=ContactMethod.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    gp_practice = forms.CharField(
        label=_optional(IDENTITY_LABELS["gp_practice"]),
        max_length=NAME_MAX,
        required=False,
    )
    nhs_number = forms.CharField(
        label=_optional(IDENTITY_LABELS["nhs_number"]),
        # The NHS's own example number: it passes the modulus 11 check (a test holds it to that).
        help_text=gettext_lazy("10 digits, for example 943 476 5919."),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
    )


class ResumeForm(PatientForm):
    """Resuming a saved form on any device: the date of birth proves it is the patient's."""

    date_of_birth = DateOfBirthField(
        label=gettext_lazy("Date of birth of the patient"),
        error_messages={"required": gettext_lazy("Enter the date of birth.")},
    )


class AppointmentCancelForm(PatientForm):
    """The patient's "cancel my appointment" confirmation (the signed link in their email)."""

    reason = forms.CharField(
        label=gettext_lazy("Why are you cancelling? (optional)"),
        help_text=gettext_lazy("For example, you are feeling better or cannot get there."),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": gettext_lazy("Keep it to 500 characters or fewer.")},
    )

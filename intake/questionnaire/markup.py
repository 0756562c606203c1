"""The patient forms' questions as HTML, written in Python (`PatientForm.as_questions`).

A page of the questionnaire is a column of questions, nearly all of them radio or checkbox
groups. Rendered through templates (one per field, more per option) they were most of a step
page's time, so they are written here, in plain Python, in the order and with the properties
of the GOV.UK Design System's question pages:

- a question with options is a <fieldset> named by its <legend>, and so is a date (three
  boxes: Day, Month, Year, GOV.UK's date input); any other has a <label>;
- then the hint, then the error message (the one the form put on the field: the question's
  own, when it has one), then the inputs; the body map of the legs, where a question has one,
  comes after the error message, inside the fieldset, before the checkboxes it drives;
- the hint and the error are linked by aria-describedby: on the fieldset of a group or a date,
  on the input otherwise; a field with an error has aria-invalid="true" and is-invalid on its
  inputs (a date: on the boxes at fault), question--error on its wrapper, and its message
  starts with a visually hidden "Error:";
- "or" comes before an exclusive "None of these" (GOV.UK's checkbox divider);
- a question revealed by one answer of an earlier radio question on the page is written inside
  that question, in a container right after the answer (GOV.UK's conditional reveal; see
  `questions`), which the answer names in aria-controls;
- the ids are Django's (id_<name>, id_<name>_<n> for the options, id_<name>_helptext,
  id_<name>_error; a date's day box is id_<name>): the error summary links to them
  (views._error_summary) and the summary list's "Change" links to the question's wrapper,
  div_id_<name>;
- each question is in a <div class="question" data-question="<name>">, which carries its
  show-if rule as data-show-if for the page's script (static/questionnaire/js/form.js).

Every value is escaped here. A label or hint that is already markup (a SafeString: the
catalogue's wording with its emphasis, escaped when the field is built in forms.py) is kept.
An input's attributes (type, autocomplete, inputmode, maxlength, required...) are Django's:
the widget's own and BoundField.build_widget_attrs'. A widget this module does not write raises
TypeError rather than render something untested.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.forms import BoundField
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from intake import bodymap as intake_bodymap
from intake.triage import QUESTIONS_BY_CODE, All, AnswerType, Eq, In, Ne, Question
from intake.triage.catalogue import NONE_CHOICE as NONE_VALUE

# The answer types written as radios, whose answers can reveal other questions under them.
SINGLE_CHOICE = (AnswerType.SINGLE, AnswerType.YES_NO, AnswerType.YES_NO_UNSURE)


@dataclass(frozen=True)
class Presentation:
    """How a question is shown, beyond what its form field says."""

    show_if: str = ""  # the question's show-if rule, as JSON for the page's script
    inline: bool = False  # options side by side (the 0-10 scales)
    bodymap: bool = False  # the body map of the legs above the options (intake/bodymap.py)
    # The question it is revealed by, and that question's answers that reveal it, when it can
    # be shown under those answers (`revealed_by`); None when it stands on its own.
    reveal: tuple[str, frozenset[str]] | None = None
    exclusive_none: bool = False  # "None of these" must be ticked alone: "or" comes before it


PLAIN = Presentation()


def revealed_by(question: Question) -> tuple[str, frozenset[str]] | None:
    """The single-choice question whose answers show `question`, and those answers, when its
    show-if rule reads that question alone: `Eq`, `In` or `Ne` on one question, or that same
    test together with the revealing question's own rule (its `All` repeats the rule that shows
    the question it reads: `calf_difference_cm` needs swelling, and a side). Anything else (age
    ranges, two questions) is None: the question is shown, or not, where it stands."""
    condition = question.show_if
    if isinstance(condition, All):
        simple = [c for c in condition.conditions if isinstance(c, Eq | In | Ne)]
        if not simple:
            return None
        test = simple[-1]
        rest = tuple(c for c in condition.conditions if c is not test)
        reader = QUESTIONS_BY_CODE.get(test.code)
        own = reader.show_if if reader is not None else None
        own_parts = own.conditions if isinstance(own, All) else (own,)
        if rest != tuple(own_parts):
            return None
        condition = test
    if not isinstance(condition, Eq | In | Ne):
        return None
    reader = QUESTIONS_BY_CODE.get(condition.code)
    if reader is None or reader.type not in SINGLE_CHOICE or not reader.choices:
        return None
    codes = reader.choice_codes
    if isinstance(condition, Eq):
        values = {condition.value}
    elif isinstance(condition, In):
        values = set(condition.values)
    else:
        values = {code for code in codes if code != condition.value}
    shown = frozenset(code for code in codes if code in values)
    return (reader.code, shown) if shown else None


# The widgets written as a group of options in a fieldset (CheckboxSelectMultiple is one kind
# of RadioSelect).
GROUPS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


def writes_control(widget: forms.Widget) -> bool:
    """Whether the widget is written as one labelled control: a text-like input (text, email,
    tel, number, date...), a textarea or a select."""
    if isinstance(widget, forms.Textarea | forms.Select):
        return True
    return isinstance(widget, forms.widgets.Input) and widget.input_type not in (
        "checkbox",
        "radio",
        "file",
        "hidden",
    )


def _is_date_input(widget: forms.Widget) -> bool:
    """A date in three boxes: a widget that says what goes in each (forms.DateInputs; forms.py
    imports this module, so the class is recognised by what it offers)."""
    return callable(getattr(widget, "date_boxes", None))


def questions(
    form: forms.Form, presentations: Mapping[str, Presentation], *, honeypot: str
) -> SafeString:
    """Every field of `form` in order, the `honeypot` field last and hidden from everyone.

    A question revealed by the answers of an earlier radio question (`Presentation.reveal`) is
    written inside that question, right after the option that reveals it, in a container the
    page's script shows only while that option is chosen (GOV.UK's conditional reveal). It is
    nested only if every question between the two is nested there too, so the questions keep
    their order on the page; without the script every container stays open."""
    layout = _layout(form, presentations, honeypot)
    parts = [_form_errors(form)]
    parts += [_question(form, name, presentations, layout) for name in layout.top]
    if honeypot in form.fields:
        # Out of sight and out of the accessibility tree: only a bot fills it in.
        parts.append(f'<div class="d-none" aria-hidden="true">\n{_control(form[honeypot])}</div>\n')
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped where it is written


def question(field: BoundField, presentation: Presentation = PLAIN) -> str:
    """One question in its wrapper: a fieldset of options (or of date boxes), or a labelled
    control. (Questions revealed under its options are written by `questions`.)"""
    return _wrapped(field, presentation, [])


# --- Questions revealed under an answer ----------------------------------------------------------


@dataclass(frozen=True)
class _Reveal:
    """A container of questions under one option of a radio question."""

    id: str  # the container's id (aria-controls on the options that show it)
    values: frozenset[str]  # the options that show it
    after: int  # the index of the option it follows (the last of `values`)
    names: tuple[str, ...]  # the questions in it, in page order


@dataclass(frozen=True)
class _Layout:
    top: tuple[str, ...]  # the questions not nested in another, in page order
    reveals: Mapping[str, tuple[_Reveal, ...]]  # per revealing question, its containers


_LAYOUTS: dict[tuple[Any, ...], _Layout] = {}


def _layout(form: forms.Form, presentations: Mapping[str, Presentation], honeypot: str) -> _Layout:
    """Which questions nest under which options. The same for every form with the same fields
    and presentations, so worked out once per page of the questionnaire."""
    names = tuple(name for name in form.fields if name != honeypot)
    key = (names, tuple(presentations.get(name, PLAIN).reveal for name in names))
    found = _LAYOUTS.get(key)
    if found is not None:
        return found
    parent = _parents(form, names, presentations)
    reveals: dict[str, list[_Reveal]] = {}
    for name in names:
        if name not in parent:
            continue
        reader, values = parent[name]
        groups = reveals.setdefault(reader, [])
        same = [number for number, group in enumerate(groups) if group.values == values]
        if same:
            group = groups[same[0]]
            groups[same[0]] = _Reveal(group.id, values, group.after, (*group.names, name))
            continue
        choices = [str(value) for value, _label in form.fields[reader].widget.choices]
        after = max(index for index, value in enumerate(choices) if value in values)
        container = f"conditional-{form[reader].auto_id or reader}-{len(groups) + 1}"
        groups.append(_Reveal(container, values, after, (name,)))
    layout = _Layout(
        top=tuple(name for name in names if name not in parent),
        reveals={reader: tuple(groups) for reader, groups in reveals.items()},
    )
    if len(_LAYOUTS) < 64:  # a few pages' worth; a form built another way is laid out anew
        _LAYOUTS[key] = layout
    return layout


def _parents(
    form: forms.Form, names: tuple[str, ...], presentations: Mapping[str, Presentation]
) -> dict[str, tuple[str, frozenset[str]]]:
    """Per nested question, the radio question it goes under and the options that show it."""
    position = {name: index for index, name in enumerate(names)}
    parent: dict[str, tuple[str, frozenset[str]]] = {}

    def under(name: str, ancestor: str) -> bool:
        while name in parent:
            name = parent[name][0]
            if name == ancestor:
                return True
        return False

    for index, name in enumerate(names):
        reveal = presentations.get(name, PLAIN).reveal
        if reveal is None or position.get(reveal[0], index) >= index:
            continue  # stands alone, or its revealing question is not before it on this page
        reader, values = reveal
        widget = form.fields[reader].widget
        if not isinstance(widget, forms.RadioSelect) or widget.allow_multiple_selected:
            continue
        choices = {str(value) for value, _label in widget.choices}
        between = names[position[reader] + 1 : index]
        if values & choices and all(under(other, reader) for other in between):
            parent[name] = (reader, values)
    return parent


def _question(
    form: forms.Form, name: str, presentations: Mapping[str, Presentation], layout: _Layout
) -> str:
    """A question, with the containers of the questions its options reveal."""
    containers = []
    for reveal in layout.reveals.get(name, ()):
        inner = "".join(_question(form, child, presentations, layout) for child in reveal.names)
        html = (
            f'<div class="conditional" id="{escape(reveal.id)}" data-conditional>\n{inner}</div>\n'
        )
        containers.append((reveal, html))
    return _wrapped(form[name], presentations.get(name, PLAIN), containers)


Containers = list[tuple[_Reveal, str]]  # the containers under a question's options, as HTML


def _wrapped(field: BoundField, presentation: Presentation, containers: Containers) -> str:
    widget = field.field.widget
    if isinstance(widget, GROUPS):
        body = _fieldset(field, presentation, containers)
    elif _is_date_input(widget):
        body = _date_input(field)
    elif writes_control(widget):
        body = _control(field)
    else:
        raise TypeError(f"markup.py does not write a {type(widget).__name__} ({field.name})")
    name = escape(field.html_name)
    show_if = f' data-show-if="{escape(presentation.show_if)}"' if presentation.show_if else ""
    css = "question question--error" if field.errors else "question"
    return (
        f'<div id="div_{_id(field)}" class="{css}" data-question="{name}"{show_if}>\n{body}</div>\n'
    )


# --- The parts of a question ---------------------------------------------------------------------


def _id(field: BoundField) -> str:
    """The field's id (escaped), from which its options', hint's and error's ids are made."""
    if not field.auto_id:
        raise ValueError(f"{field.name}: the patient forms need ids (auto_id) to link hints")
    return escape(field.auto_id)


def _hint(field: BoundField) -> str:
    if not field.help_text:
        return ""
    hint = conditional_escape(field.help_text)
    return f'<div id="{_id(field)}_helptext" class="form-text">{hint}</div>\n'


def _error(field: BoundField) -> str:
    """The field's error messages, each after a visually hidden "Error:" (as GOV.UK's are):
    what the form put on the field, which is the question's own message when it has one."""
    if not field.errors:
        return ""
    error = escape(gettext("Error:"))
    prefix = f'<span class="visually-hidden">{error}</span>'
    messages = "".join(
        f"<p>{prefix} {conditional_escape(str(message))}</p>" for message in field.errors
    )
    return f'<div id="{_id(field)}_error" class="invalid-feedback">{messages}</div>\n'


def _described_by(field: BoundField) -> str:
    """The ids of the field's hint and error, for aria-describedby ("" when it has neither)."""
    ids = []
    if field.help_text:
        ids.append(f"{_id(field)}_helptext")
    if field.errors:
        ids.append(f"{_id(field)}_error")
    return " ".join(ids)


def _legend(field: BoundField) -> str:
    if not field.label:
        return ""
    return f'<legend class="form-label">{conditional_escape(field.label)}</legend>\n'


def _fieldset(field: BoundField, presentation: Presentation, containers: Containers) -> str:
    """A radio or checkbox question: legend, hint, error, [body map], the options."""
    described = _described_by(field)
    described_attr = f' aria-describedby="{described}"' if described else ""
    picture = bodymap(field.html_name, _legs(field.form)) if presentation.bodymap else ""
    options = _options(
        field,
        inline=presentation.inline,
        exclusive=presentation.exclusive_none,
        containers=containers,
    )
    return (
        f"<fieldset{described_attr}>\n{_legend(field)}{_hint(field)}{_error(field)}{picture}"
        f"{options}</fieldset>\n"
    )


def _options(
    field: BoundField,
    *,
    inline: bool,
    exclusive: bool = False,
    containers: Containers | None = None,
) -> str:
    """Each option: its input, checked if it is in the field's value, and its label; before an
    exclusive "None of these", "or"; after an option that reveals questions, their container
    (each option that shows it names it in aria-controls).

    The ids, names and values are those Django's RadioSelect and CheckboxSelectMultiple give
    (id_<name>_<n>); the attributes on every input are the widget's and the field's
    (aria-invalid when it has an error)."""
    widget = field.field.widget
    if not isinstance(widget, forms.RadioSelect):
        raise TypeError(f"{field.name}: not a group of options")
    field_id = _id(field)
    name = escape(field.html_name)
    attrs = field.build_widget_attrs(widget.attrs, widget)  # aria-invalid, required...
    attrs.pop("id", None)  # each option has its own
    css = "form-check-input is-invalid" if field.errors else "form-check-input"
    if own := attrs.pop("class", ""):
        css = f"{own} {css}"
    shared = _attrs({"class": css, **attrs})
    selected = set(widget.format_value(field.value()))
    wrapper = "form-check form-check-inline" if inline else "form-check"
    controls: dict[str, list[str]] = {}  # option value -> the ids of the containers it shows
    for reveal, _html in containers or ():
        for value in reveal.values:
            controls.setdefault(value, []).append(reveal.id)
    parts = []
    for index, (value, label) in enumerate(widget.choices):
        if isinstance(label, list | tuple):
            raise TypeError(f"markup.py does not write grouped options ({field.name})")
        text = "" if value is None else str(value)
        option_id = f"{field_id}_{index}"
        checked = " checked" if text in selected else ""
        extra = ""
        if exclusive and text == NONE_VALUE and widget.allow_multiple_selected:
            # (Not inside the f-string: xgettext does not look in there, and would miss it.)
            divider = escape(gettext("or"))
            parts.append(f'<div class="checkbox-divider">{divider}</div>\n')
            extra = ' data-behaviour="exclusive"'
        if text in controls:
            extra += f' aria-controls="{escape(" ".join(controls[text]))}"'
        parts.append(
            f'<div class="{wrapper}">\n<input type="{widget.input_type}" name="{name}" '
            f'value="{escape(text)}" id="{option_id}"{shared}{extra}{checked}>\n'
            f'<label for="{option_id}" class="form-check-label">{conditional_escape(str(label))}'
            "</label>\n</div>\n"
        )
        parts += [html for reveal, html in containers or () if reveal.after == index]
    return "".join(parts)


def _date_input(field: BoundField) -> str:
    """A date in three boxes (GOV.UK's date input): a fieldset named by its legend, the hint
    and the error, then Day, Month and Year, each with its label above. All three post under
    the field's name; the day box has the field's id (the error summary's anchor). An error
    marks the boxes at fault (a missing month: the month box), or all three."""
    date_field: Any = field.field  # forms.DateOfBirthField, with its forms.DateInputs
    widget = date_field.widget
    described = _described_by(field)
    described_attr = f' aria-describedby="{described}"' if described else ""
    value = field.value()
    at_fault: frozenset[str] = frozenset()
    if field.errors:
        at_fault = date_field.boxes_in_error(value)
    shared = field.build_widget_attrs({}, widget)  # required (the resume page)
    shared.pop("aria-invalid", None)  # only on the boxes at fault
    boxes = []
    for part, label, text, own in widget.date_boxes(value):
        box_id = _id(field) if part == "day" else f"{_id(field)}_{escape(part)}"
        extra = dict(own)
        css = f"form-control {extra.pop('class', '')}".strip()
        invalid: dict[str, Any] = {}
        if part in at_fault:
            css += " is-invalid"
            invalid["aria-invalid"] = "true"
        attrs = _attrs(
            {
                "type": "text",
                "name": field.html_name,
                "id": box_id,
                "class": css,
                "inputmode": "numeric",
                **extra,
                **shared,
                **invalid,
            }
        )
        value_attr = f' value="{escape(text)}"' if text else ""
        boxes.append(
            f'<div class="date-input__item">\n<label for="{box_id}">{escape(label)}</label>\n'
            f"<input{attrs}{value_attr}>\n</div>\n"
        )
    return (
        f"<fieldset{described_attr}>\n{_legend(field)}{_hint(field)}{_error(field)}"
        f'<div class="date-input">\n{"".join(boxes)}</div>\n</fieldset>\n'
    )


def _control(field: BoundField) -> str:
    """A question answered in one control: label, hint, error, then the input, textarea or
    select, described by the hint and the error."""
    label = ""
    if field.label:
        text = conditional_escape(field.label)
        label = f'<label for="{_id(field)}" class="form-label">{text}</label>\n'
    return f"{label}{_hint(field)}{_error(field)}{_widget(field)}\n"


def _widget(field: BoundField) -> str:
    """The control itself, with the attributes and value Django's widget templates give it."""
    widget = field.field.widget
    css = "form-select" if isinstance(widget, forms.Select) else "form-control"
    if own := widget.attrs.get("class"):
        css = f"{own} {css}"
    if field.errors:
        css += " is-invalid"
    extra: dict[str, Any] = {"id": field.auto_id, "class": css}
    if described := _described_by(field):
        extra["aria-describedby"] = described
    context = widget.get_context(
        field.html_name, field.value(), field.build_widget_attrs(extra, widget)
    )["widget"]
    name, attrs = escape(context["name"]), _attrs(context["attrs"])
    value = context["value"]
    if isinstance(widget, forms.Textarea):
        # The newline after the tag is Django's: a browser drops one leading newline, so a value
        # that starts with one keeps it.
        text = escape(value) if value else ""
        return f'<textarea name="{name}"{attrs}>\n{text}</textarea>'
    if isinstance(widget, forms.Select):
        return f'<select name="{name}"{attrs}>{_select_options(context["optgroups"])}</select>'
    value_attr = "" if value is None else f' value="{escape(value)}"'
    return f'<input type="{escape(context["type"])}" name="{name}"{value_attr}{attrs}>'


def _select_options(optgroups: list[tuple[Any, list[dict[str, Any]], int]]) -> str:
    parts = []
    for group, options, _index in optgroups:
        items = "".join(
            f'<option value="{escape(option["value"])}"{" selected" * option["selected"]}>'
            f"{conditional_escape(option['label'])}</option>"
            for option in options
        )
        parts.append(f'<optgroup label="{escape(group)}">{items}</optgroup>' if group else items)
    return "".join(parts)


def _attrs(attrs: Mapping[str, Any]) -> str:
    """HTML attributes, as Django's attrs.html writes them: True is a bare name, False and None
    are left out."""
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(f" {escape(name)}")
        elif value is not False and value is not None:
            parts.append(f' {escape(name)}="{escape(value)}"')
    return "".join(parts)


def _form_errors(form: forms.Form) -> str:
    """Errors of the whole form rather than of a field (the patient forms raise none today)."""
    errors = form.non_field_errors()
    if not errors:
        return ""
    messages = "".join(f'<p class="mb-1">{conditional_escape(str(error))}</p>' for error in errors)
    return f'<div class="invalid-feedback mb-3">{messages}</div>\n'


# --- The body map ------------------------------------------------------------------------------

_BODYMAPS: dict[tuple[str, str, str | None], str] = {}


def _legs(form: forms.BaseForm) -> str:
    """The legs the body map draws at first: "Which leg?" as on this page (posted, or saved
    and shown again), or as saved on an earlier page; its script follows the answer after."""
    name = intake_bodymap.LEG_QUESTION
    on_page = name in form.fields
    answer = form[name].value() if on_page else getattr(form, "saved", {}).get(name)
    return intake_bodymap.legs_for(answer)


def bodymap(field_name: str, legs: str = intake_bodymap.BOTH) -> str:
    """The body map for a checkbox field (templates/intake/_bodymap.html, shared with the staff
    case page; about 10 KB of SVG), drawing `legs`. It depends on the field, the legs and the
    language only, so it is rendered once for each in each process; with DEBUG on, every time,
    so template edits show at once. Nothing per patient may go into it: the checkboxes and the
    page's script show what is selected."""
    key = (field_name, legs, get_language())
    html = _BODYMAPS.get(key)
    if html is None:
        html = render_to_string("intake/_bodymap.html", {"field": field_name, "legs": legs})
        if not settings.DEBUG:
            _BODYMAPS[key] = html
    return html

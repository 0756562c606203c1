"""The patient forms' questions as HTML, written in Python (`PatientForm.as_questions`).

A page of the questionnaire is a column of questions, nearly all of them radio or checkbox
groups. Rendered through templates (one per field, more per option) they were most of a step
page's time, so they are written here, in plain Python, in the order and with the properties
of the GOV.UK Design System's question pages:

- a question with options is a <fieldset> named by its <legend>; any other has a <label>;
- then the hint, then the error message, then the inputs; the body map of the legs, where a
  question has one, comes after the error message, inside the fieldset, before the checkboxes
  it drives (its script leaves it there);
- the hint and the error are linked by aria-describedby: on the fieldset of a group, on the
  input otherwise; a field with an error has aria-invalid="true" and Bootstrap's is-invalid
  on its inputs, and its message starts with a visually hidden "Error:";
- the ids are Django's (id_<name>, id_<name>_<n> for the options, id_<name>_helptext,
  id_<name>_error): the error summary links to them (views._error_summary) and the summary
  list's "Change" links to the question's wrapper, div_id_<name>;
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


@dataclass(frozen=True)
class Presentation:
    """How a question is shown, beyond what its form field says."""

    show_if: str = ""  # the question's show-if rule, as JSON for the page's script
    inline: bool = False  # options side by side (the 0-10 scales)
    bodymap: bool = False  # the body map of the legs above the options (intake/bodymap.py)


PLAIN = Presentation()

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


def questions(
    form: forms.Form, presentations: Mapping[str, Presentation], *, honeypot: str
) -> SafeString:
    """Every field of `form` in order, the `honeypot` field last and hidden from everyone."""
    parts = [_form_errors(form)]
    parts += [
        question(form[name], presentations.get(name, PLAIN))
        for name in form.fields
        if name != honeypot
    ]
    if honeypot in form.fields:
        # Out of sight and out of the accessibility tree: only a bot fills it in.
        parts.append(f'<div class="d-none" aria-hidden="true">\n{_control(form[honeypot])}</div>\n')
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped where it is written


def question(field: BoundField, presentation: Presentation = PLAIN) -> str:
    """One question in its wrapper: a fieldset of options, or a labelled control."""
    widget = field.field.widget
    if isinstance(widget, GROUPS):
        body = _fieldset(field, presentation)
    elif writes_control(widget):
        body = _control(field)
    else:
        raise TypeError(f"markup.py does not write a {type(widget).__name__} ({field.name})")
    name = escape(field.html_name)
    show_if = f' data-show-if="{escape(presentation.show_if)}"' if presentation.show_if else ""
    return (
        f'<div id="div_{_id(field)}" class="question" data-question="{name}"{show_if}>\n'
        f"{body}</div>\n"
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
    """The field's error messages, each after a visually hidden "Error:" (as GOV.UK's are)."""
    if not field.errors:
        return ""
    prefix = f'<span class="visually-hidden">{escape(gettext("Error:"))}</span>'
    messages = "".join(
        f'<p class="mb-1">{prefix} {conditional_escape(str(message))}</p>'
        for message in field.errors
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


def _fieldset(field: BoundField, presentation: Presentation) -> str:
    """A radio or checkbox question: legend, hint, error, [body map], the options."""
    described = _described_by(field)
    described_attr = f' aria-describedby="{described}"' if described else ""
    legend = ""
    if field.label:
        legend = f'<legend class="form-label fs-6">{conditional_escape(field.label)}</legend>\n'
    picture = bodymap(field.html_name) if presentation.bodymap else ""
    return (
        f"<fieldset{described_attr}>\n{legend}{_hint(field)}{_error(field)}{picture}"
        f"{_options(field, inline=presentation.inline)}</fieldset>\n"
    )


def _options(field: BoundField, *, inline: bool) -> str:
    """Each option: its input, checked if it is in the field's value, and its label.

    The ids, names and values are those Django's RadioSelect and CheckboxSelectMultiple give
    (id_<name>_<index>); the attributes on every input are the widget's and the field's
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
    parts = []
    for index, (value, label) in enumerate(widget.choices):
        if isinstance(label, list | tuple):
            raise TypeError(f"markup.py does not write grouped options ({field.name})")
        text = "" if value is None else str(value)
        option_id = f"{field_id}_{index}"
        checked = " checked" if text in selected else ""
        parts.append(
            f'<div class="{wrapper}">\n<input type="{widget.input_type}" name="{name}" '
            f'value="{escape(text)}" id="{option_id}"{shared}{checked}>\n'
            f'<label for="{option_id}" class="form-check-label">{conditional_escape(str(label))}'
            "</label>\n</div>\n"
        )
    return "".join(parts)


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

_BODYMAPS: dict[tuple[str, str | None], str] = {}


def bodymap(field_name: str) -> str:
    """The body map for a checkbox field (templates/intake/_bodymap.html, shared with the staff
    case page; about 30 KB of SVG). It depends on the field and the language only, so it is
    rendered once per language in each process; with DEBUG on, every time, so template edits
    show at once. Nothing per patient may go into it: the checkboxes and the page's script show
    what is selected."""
    key = (field_name, get_language())
    html = _BODYMAPS.get(key)
    if html is None:
        html = render_to_string("intake/_bodymap.html", {"field": field_name})
        if not settings.DEBUG:
            _BODYMAPS[key] = html
    return html

"""The HTML of the patient forms' fields, written in Python.

Radio and checkbox questions are nearly everything a questionnaire page shows, and every page
has the hidden honeypot; the first page has the identity fields. Rendered through crispy-forms'
templates (a wrapper div, the field template, a fieldset, an include for the options, another
for the hint, a loop over the options; for an input crispy's `crispy_field` and Django's three
widget templates) they were about three quarters of a step page's time. This module writes the
same markup as those templates (crispy-bootstrap5 2026.9 and our copies in templates/bootstrap5/),
byte for byte after crispy's whitespace clean-up, from two places:

- `FieldBlock`, the crispy layout object the patient forms use for each field (intake/forms.py):
  crispy's FormHelper still renders the form and calls it; a widget not written here goes
  through crispy's templates as before;
- the template tags in intake/templatetags/intake_forms.py, for a choice field rendered
  through our copies of crispy's templates.

Every value is escaped here, except a field's label and hint, which are the catalogue's own
markup, escaped when the field is built (intake/forms.py) and marked safe, as crispy's
templates expect. Whitespace matters only where crispy keeps it: runs of three or more blanks
between two tags become one space, shorter ones stay as they are. tests/intake/test_formhtml.py
compares the output with the template path.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from crispy_forms.layout import LayoutObject
from crispy_forms.utils import TEMPLATE_PACK, flatatt, render_field
from django import forms
from django.conf import settings
from django.forms import BoundField, Form, widgets
from django.template import Context
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language


def esc(value: object) -> str:
    """Django's conditional_escape (markup kept, anything else escaped, quotes included)
    without its check of every argument for lazy strings, which was a large share of the
    time here: a lazy string is a `str` proxy, so `__html__` is found on it exactly when the
    string it stands for is markup."""
    html = getattr(value, "__html__", None)
    return html() if html is not None else escape(str(value))


def _attrs(attrs: Mapping[str, Any]) -> str:
    """Widget attributes as crispy-bootstrap5's attrs.html writes them (False left out)."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {esc(name)}")
        if value is not True:
            parts.append(f'="{esc(str(value))}"')
    return "".join(parts)


def _errors_block(field: BoundField, errors: Any, *, between: str, end: str) -> str:
    """The errors of a field, each in its own paragraph."""
    auto_id = esc(field.auto_id)
    messages = between.join(
        f'<p id="error_{number}_{auto_id}"><strong>{esc(error)}</strong></p>'
        for number, error in enumerate(errors, start=1)
    )
    field_id = esc(errors.field_id)
    return f'<div id="{field_id}_error" class="invalid-feedback">\n  {messages}{end}</div>'


def _help_text(field: BoundField, inline: bool) -> str:
    """crispy-bootstrap5's help_text.html (the hint is trusted markup: `|safe` upstream)."""
    help_text = field.help_text
    if not help_text:
        return ""
    auto_id = esc(field.auto_id) if field.auto_id else ""
    if inline:
        return f'\n    <span id="{auto_id}_helptext" class="form-text">{help_text}</span>\n    '
    id_attr = f'id="{auto_id}_helptext" ' if auto_id else ""
    return f'\n    <div {id_attr}class="form-text">{help_text}</div>\n    '


# A widget's options as escaped texts, per language, keyed by the choices' values and the
# identity of their (lazy) labels. An entry holds the choices, so those ids cannot be reused by
# other objects while it exists; the catalogue's choices are built once, so this stays small.
_Option = tuple[str, str, str, str]  # value as a string, value escaped, label escaped, id suffix
_Group = tuple[str, tuple[_Option, ...]]  # group name escaped ("" for none), its options
_OPTION_TEXTS: dict[tuple[Any, ...], tuple[tuple[_Group, ...], list[Any]]] = {}
_OPTION_TEXTS_MAX = 4096


def _option_texts(choices: Any) -> tuple[_Group, ...]:
    """The options as Django's ChoiceWidget.optgroups lists them (a group per choice, or per
    named group of choices, with the same id suffixes), as escaped texts in the active language.
    Working these out (a lazy translation and two escapes per option) was most of the cost of
    a question, and it is the same for every patient."""
    choices = list(choices)
    key_parts: list[tuple[Any, ...]] = []
    for value, label in choices:
        if isinstance(label, list | tuple):
            key_parts.append((type(value), value, tuple((type(v), v, id(sub)) for v, sub in label)))
        else:
            key_parts.append((type(value), value, id(label)))  # True == 1: the type too
    key = (get_language(), tuple(key_parts))
    hit = _OPTION_TEXTS.get(key)
    if hit is None:
        if len(_OPTION_TEXTS) >= _OPTION_TEXTS_MAX:
            _OPTION_TEXTS.clear()
        groups = []
        for index, (value, label) in enumerate(choices):
            value = "" if value is None else value
            if isinstance(label, list | tuple):
                options = tuple(
                    (str(v), esc(str(v)), esc(sub), f"{index}_{number}")
                    for number, (v, sub) in enumerate(label)
                )
                groups.append((esc(value), options))
            else:
                groups.append(("", ((str(value), esc(str(value)), esc(label), str(index)),)))
        hit = (tuple(groups), choices)
        _OPTION_TEXTS[key] = hit
    return hit[0]


def _options(field: BoundField, errors: Any, *, inline: bool, show_errors: bool) -> str:
    """Each radio or checkbox in its `form-check` div; the errors after the last option.

    The options and their attributes are those of Django's ChoiceWidget.optgroups and
    create_option (ids numbered from the field's, `checked` on the selected ones, the attributes
    BoundField gives the widget such as aria-invalid), written without building a dict per option.
    """
    widget = field.field.widget
    groups = _option_texts(widget.choices)
    invalid = " is-invalid" if errors else ""
    name = esc(field.html_name)
    input_type = esc(widget.input_type)
    wrapper = "form-check form-check-inline" if inline else "form-check"
    id_ = widget.attrs.get("id") or field.auto_id
    attrs = widget.build_attrs(widget.attrs, field.build_widget_attrs({"id": id_} if id_ else {}))
    names = list(attrs)
    has_id = "id" in attrs
    at = names.index("id") if has_id else len(names)
    before = _attrs({k: attrs[k] for k in names[:at]})
    after = _attrs({k: attrs[k] for k in names[at + 1 :]})
    selected_values = widget.format_value(field.value())
    multiple = widget.allow_multiple_selected
    has_selected = False
    html = []
    for group_number, (group, options) in enumerate(groups, start=1):
        if group:
            html.append(f"<strong>{group}</strong>")
        for number, (text, value, label, suffix) in enumerate(options, start=1):
            selected = (not has_selected or multiple) and text in selected_values
            has_selected |= selected
            option_id = esc(widget.id_for_label(attrs["id"], suffix)) if has_id else ""
            id_attr = f' id="{option_id}"' if has_id else ""
            checked = " checked" if selected else ""
            html.append(
                f'\n  <div class="{wrapper}">\n    <input type="{input_type}" '
                f'class="form-check-input{invalid}" name="{name}" value="{value}"'
                f"{before}{id_attr}{after}{checked}>\n"
                f'    <label for="{option_id}" class="form-check-label">{label}</label>\n    '
            )
            last = number == len(options) and group_number == len(groups)
            if errors and show_errors and last and not inline:
                block = _errors_block(field, errors, between="\n        ", end="\n    ")
                html += ["\n    ", block, "\n"]
            html.append("\n  </div>")
    return "".join(html)


def check_group(
    field: BoundField,
    *,
    inline: bool = False,
    show_errors: bool = True,
    help_inline: bool = False,
    field_class: str = "",
    flat_attrs: str = "",
) -> SafeString:
    """A radio or checkbox group: the options, their errors and the hint (the markup of
    crispy-bootstrap5's radio_checkbox_select.html)."""
    errors = field.errors
    class_attr = f'class="{esc(field_class)}"' if field_class else ""
    attrs = f" {esc(flat_attrs)}" if flat_attrs else ""
    html = [
        f"<div {class_attr}{attrs}>\n",
        _options(field, errors, inline=inline, show_errors=show_errors),
        "\n</div>\n",
    ]
    if errors and inline:
        html += ["\n", _errors_block(field, errors, between="", end="\n"), "\n"]
    html.append(_help_text(field, help_inline))
    return mark_safe("".join(html))  # noqa: S308 - every value is escaped above


def check_fieldset(field: BoundField, **group: Any) -> SafeString:
    """A radio or checkbox question as a fieldset: the question as its legend, then the group
    (`group`: the keyword arguments of `check_group`)."""
    described = field.aria_describedby
    described_attr = f' aria-describedby="{esc(described)}"' if described else ""
    label = field.label
    legend = ""
    if label:
        legend = f'<legend class="form-label fs-6">{esc(label)}</legend>'
    group_html = check_group(field, **group)
    html = f"<fieldset{described_attr}>\n    {legend}\n    {group_html}\n  </fieldset>"
    return mark_safe(html)  # noqa: S308 - every value is escaped above


def check_field(field: BoundField, *, wrapper_class: str = "", **group: Any) -> SafeString:
    """The whole field: the `mb-3` wrapper of our field template around the fieldset."""
    classes = "mb-3"
    if wrapper_class:
        classes += f" {wrapper_class}"
    if css := field.css_classes():
        classes += f" {css}"
    auto_id = esc(field.auto_id)
    html = (
        f'\n<div id="div_{auto_id}" class="{esc(classes)}">\n\n  '
        f"{check_fieldset(field, **group)}\n\n</div>\n\n"
    )
    return mark_safe(html)  # noqa: S308 - every value is escaped above


def _crispy_classes(widget: forms.Widget, *classes: str) -> str:
    """The widget's class attribute as crispy's `crispy_field` tag sets it: its own classes,
    the widget's class name (`textinput`, `emailinput`...), then the ones asked for."""
    kind = widget.__class__.__name__.lower()
    kind = getattr(settings, "CRISPY_CLASS_CONVERTERS", {}).get(kind, kind)
    css = widget.attrs.get("class", "")
    css = (f"{css} {kind}" if kind not in css else css) if css else kind
    for extra in classes:
        if extra not in css.split():
            css += f" {extra}"
    return css


def _input(field: BoundField) -> str:
    """The `<input>` (or `<textarea>`) Django's input.html (textarea.html) writes, with the
    attributes BoundField.as_widget gives it (id, aria-describedby, aria-invalid...) and the
    classes crispy's template adds."""
    widget = field.field.widget
    classes = ("form-control", "is-invalid") if field.errors else ("form-control",)
    widget.attrs["class"] = _crispy_classes(widget, *classes)  # as crispy_field does
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    value = context["value"]
    name, attributes = esc(context["name"]), _attrs(context["attrs"])
    if isinstance(widget, forms.Textarea):
        # The newline after the tag is Django's (a browser drops one leading newline).
        text = esc(str(value)) if value else ""
        return f'<textarea name="{name}"{attributes}>\n{text}</textarea>'
    value_attr = "" if value is None else f' value="{esc(str(value))}"'
    return f'<input type="{esc(context["type"])}" name="{name}"{value_attr}{attributes}>'


def input_field(
    field: BoundField, *, show_errors: bool = True, errors_inline: bool = True
) -> SafeString:
    """A text-like question (text, email, telephone, date, free text): label, input or
    textarea, errors and hint, as our field template writes them
    (templates/bootstrap5/field.html)."""
    auto_id = esc(field.auto_id)
    classes = "mb-3"
    if css := field.css_classes():
        classes += f" {css}"
    html = [f'\n<div id="div_{auto_id}" class="{esc(classes)}">\n\n  ']
    if field.label:
        label_for = esc(field.id_for_label)
        html.append(f'<label for="{label_for}" class="form-label">{esc(field.label)}</label>')
    html += ["\n  ", _input(field), "\n  "]
    errors = field.errors
    if show_errors and errors and errors_inline:
        messages = "".join(
            f'\n        <span id="error_{number}_{auto_id}"><strong>{esc(error)}'
            "</strong></span>\n    "
            for number, error in enumerate(errors, start=1)
        )
        field_id = esc(errors.field_id)  # type: ignore[attr-defined]  # Django 5.2, not in the stubs
        html.append(
            f'\n    <div id="{field_id}_error" class="invalid-feedback">\n    {messages}</div>\n'
        )
    elif show_errors and errors:
        block = _errors_block(field, errors, between="\n        ", end="\n    ")
        html += ["\n    ", block, "\n"]
    html += [_help_text(field, inline=False), "\n\n</div>\n\n"]
    return mark_safe("".join(html))  # noqa: S308 - every value is escaped above


CHOICE_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


def writes(widget: forms.Widget) -> bool:
    """Whether `FieldBlock` writes this widget's field itself (else crispy's templates do)."""
    if isinstance(widget, (*CHOICE_WIDGETS, forms.Textarea)):
        return True
    if not isinstance(widget, widgets.Input) or isinstance(widget, widgets.CheckboxInput):
        return False
    return not widget.is_hidden and widget.input_type != "file"


class FixedTemplate(LayoutObject):  # type: ignore[misc]  # crispy-forms has no type hints
    """A crispy layout object for a template whose output depends on nothing but its fixed
    context and the active language (the body map, about 30 KB of SVG): rendered once per
    language in each process and reused, instead of an `HTML('{% include %}')` compiled and
    rendered on every page view. With DEBUG on it is rendered every time, so template edits
    show at once."""

    def __init__(self, template_name: str, **context: Any) -> None:
        self.template_name = template_name
        self.context = context
        self.fields: list[Any] = []
        self._rendered: dict[str | None, SafeString] = {}

    def render(
        self, form: Form, context: Context, template_pack: str = TEMPLATE_PACK, **kwargs: Any
    ) -> SafeString:
        language = get_language()
        html = self._rendered.get(language)
        if html is None:
            # A copy: a template tag setting a variable would write into the dict it is given.
            html = mark_safe(render_to_string(self.template_name, dict(self.context)))  # noqa: S308
            if not settings.DEBUG:
                self._rendered[language] = html
        return html


class FieldBlock(LayoutObject):  # type: ignore[misc]  # crispy-forms has no type hints
    """A crispy layout object for one field in a wrapper div: crispy's
    `Div(Field(code), css_class=..., **attrs)`, as div.html writes it, with the optional picture
    before the field (the body map). Radio and checkbox groups (`check_field`) and text-like
    inputs (`input_field`) are written here; any other widget goes through crispy's templates.

    For a question the wrapper is `question` and carries the show-if rule for the page's script.
    """

    def __init__(
        self,
        code: str,
        *,
        inline: bool = False,
        before: LayoutObject | None = None,
        css_class: str = "question",
        **attrs: str,
    ) -> None:
        self.code = code
        self.inline = inline
        self.before = before
        self.css_class = css_class
        self.flat_attrs = flatatt(attrs)
        # What crispy's layout helpers walk (get_field_names and friends).
        self.fields: list[Any] = [code] if before is None else [before, code]

    def render(
        self, form: Form, context: Context, template_pack: str = TEMPLATE_PACK, **kwargs: Any
    ) -> SafeString:
        field = form[self.code]
        before = ""
        if self.before is not None:
            before = self.before.render(form, context, template_pack=template_pack)
        show_errors = bool(context.get("form_show_errors", True))
        widget = field.field.widget
        if isinstance(widget, CHOICE_WIDGETS):
            html = check_field(
                field,
                inline=self.inline,
                show_errors=show_errors,
                field_class=context.get("field_class") or "",
            )
        elif (
            writes(widget)
            and not field.field.show_hidden_initial
            and not context.get("help_text_inline")
        ):
            html = input_field(
                field,
                show_errors=show_errors,
                errors_inline=bool(context.get("error_text_inline", True)),
            )
        else:
            html = render_field(self.code, form, context, template_pack=template_pack)
        rendered = getattr(form, "rendered_fields", None)
        if rendered is not None:  # crispy's record of the fields already rendered
            rendered.add(self.code)
        return mark_safe(  # noqa: S308 - the class and attributes are escaped, the rest above
            f'<div  \n    class="{esc(self.css_class)}" {self.flat_attrs}>\n'
            f"        {before}{html}\n</div>\n"
        )

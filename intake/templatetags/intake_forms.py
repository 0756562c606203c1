"""Rendering helpers for the patient forms' crispy templates (templates/bootstrap5/)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crispy_forms.templatetags import crispy_forms_filters
from django import template
from django.forms import BoundField
from django.template import Context
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _attrs(attrs: Mapping[str, Any]) -> str:
    """Widget attributes as crispy-bootstrap5's attrs.html writes them (False left out)."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {conditional_escape(name)}")
        if value is not True:
            parts.append(f'="{conditional_escape(str(value))}"')
    return "".join(parts)


def _check_input(option: Mapping[str, Any], name: str, invalid: str) -> str:
    return (
        f'<input type="{conditional_escape(option["type"])}" class="form-check-input{invalid}" '
        f'name="{name}" value="{conditional_escape(str(option["value"]))}"'
        f"{_attrs(option['attrs'])}>\n"
        f'    <label for="{conditional_escape(option["attrs"].get("id", ""))}" '
        f'class="form-check-label">{conditional_escape(option["label"])}</label>'
    )


ERRORS_BLOCK = "bootstrap5/layout/field_errors_block.html"


@register.simple_tag(takes_context=True)
def check_options(context: Context, field: BoundField, inline_class: str = "") -> SafeString:
    """A field's radios or checkboxes, each in its `form-check` div, with the errors block after
    the last one (unless inline): the markup of crispy-bootstrap5's radio_checkbox_select.html
    (2026.9) for the options, built in Python.

    Radios and checkboxes are most of what a questionnaire page renders; written out by the
    template, the per-option loop was the largest part of a page's rendering time. Every value
    is escaped here; the errors block is still the template pack's own.
    """
    errors = field.errors
    invalid = " is-invalid" if errors else ""
    name = str(conditional_escape(field.html_name))
    wrapper = "form-check form-check-inline" if inline_class else "form-check"
    groups = [(group, options) for group, options, _index in crispy_forms_filters.optgroups(field)]
    html = []
    for group_number, (group, options) in enumerate(groups, start=1):
        if group:
            html.append(f"<strong>{conditional_escape(group)}</strong>")
        for number, option in enumerate(options, start=1):
            html.append(
                f'\n  <div class="{wrapper}">\n    {_check_input(option, name, invalid)}\n    '
            )
            last = number == len(options) and group_number == len(groups)
            if errors and last and not inline_class:
                block = context.template.engine.get_template(ERRORS_BLOCK)
                with context.push(field=field):
                    html.append(block.render(context))
            html.append("\n  </div>")
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped

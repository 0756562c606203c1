"""Template tags for our copies of crispy-bootstrap5's templates (templates/bootstrap5/).

The patient forms' fields are written by `FieldBlock` (intake/formhtml.py) and do not come
here; a radio or checkbox field rendered through crispy's templates (a `Field` in some other
layout) gets the same markup from the same functions.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.template import Context
from django.utils.safestring import SafeString

from intake import formhtml

register = template.Library()


def _group_options(context: Context) -> dict[str, Any]:
    """The template context that crispy's radio_checkbox_select.html reads."""
    return {
        "inline": bool(context.get("inline_class")),
        "show_errors": bool(context.get("form_show_errors")),
        "help_inline": bool(context.get("help_text_inline")),
        "field_class": context.get("field_class") or "",
        "flat_attrs": context.get("flat_attrs") or "",
    }


@register.simple_tag(takes_context=True)
def check_group(context: Context, field: BoundField) -> SafeString:
    """A radio or checkbox group: options, errors and hint (radio_checkbox_select.html)."""
    return formhtml.check_group(field, **_group_options(context))


@register.simple_tag(takes_context=True)
def check_fieldset(context: Context, field: BoundField) -> SafeString:
    """A radio or checkbox question as a fieldset with the question as its legend."""
    return formhtml.check_fieldset(field, **_group_options(context))

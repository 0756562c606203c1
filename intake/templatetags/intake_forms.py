"""Template tags for the patient forms and our copies of crispy-bootstrap5's templates.

`crispy_fields` renders a patient page's form with its crispy FormHelper. The forms' fields are
written by `FieldBlock` (intake/formhtml.py); a radio or checkbox field rendered through
crispy's templates (a `Field` in some other layout) gets the same markup from the same
functions, through `check_group` and `check_fieldset`.
"""

from __future__ import annotations

from typing import Any, cast

from crispy_forms.templatetags.crispy_forms_tags import BasicNode
from crispy_forms.utils import render_crispy_form
from django import template
from django.forms import BoundField, Form
from django.template import Context
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

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
def crispy_fields(context: Context, form: Form) -> SafeString:
    """`{% crispy form %}` for a form whose helper has no <form> tag, CSRF input or buttons
    (the page writes those), as every questionnaire page's has. The FormHelper renders its
    layout exactly as crispy's tag has it do; left out is only crispy's wrapper template
    (whole_uni_form.html), which for such a form adds the form's media and non-field errors,
    written here, and then squeezes runs of blanks between tags (which a browser ignores).
    It was about 1 ms of every page: the context flattened into a new one, three includes.
    Any other helper goes through crispy's own rendering."""
    helper: Any = getattr(form, "helper", None)
    plain = helper is not None and helper.disable_csrf and not helper.form_tag
    if not plain or helper.inputs or helper.template:
        return cast(SafeString, render_crispy_form(form, helper, context.flatten()))
    node = BasicNode("form", None, getattr(helper, "template_pack", None))
    options = node.get_response_dict(helper, context, is_formset=False)
    with context.push(is_bound=form.is_bound, **options):
        fields = helper.render_layout(form, context, template_pack=node.template_pack)
    parts = [str(form.media)] if options["include_media"] else []
    if options["form_show_errors"] and form.non_field_errors():
        errors = f"{node.template_pack}/errors.html"
        parts.append(render_to_string(errors, options | {"form": form}))
    parts.append(fields)
    return mark_safe("".join(parts))  # noqa: S308 - crispy's and Django's own escaped markup


@register.simple_tag(takes_context=True)
def check_group(context: Context, field: BoundField) -> SafeString:
    """A radio or checkbox group: options, errors and hint (radio_checkbox_select.html)."""
    return formhtml.check_group(field, **_group_options(context))


@register.simple_tag(takes_context=True)
def check_fieldset(context: Context, field: BoundField) -> SafeString:
    """A radio or checkbox question as a fieldset with the question as its legend."""
    return formhtml.check_fieldset(field, **_group_options(context))

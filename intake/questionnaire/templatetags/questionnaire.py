"""The summary list of a form's answers, for the check-your-answers and confirmation pages.

Written in Python rather than as a template loop: a form has about 90 answers, and through the
template language the list was most of both pages' time (about 7 ms of the check page's 18,
4 ms of the confirmation page's 12). The rows come from `intake.summary.summarise`; here they
become the GOV.UK summary list pattern: per step a heading and a description list, per answer
the question, the answer (or "Not provided"), and on the check page a "Change" link whose
visually hidden text names the question. Each row has an id, row-<code>: after a change the
patient comes back to it (the link names it, `row=<code>`, and the step page returns there).
Every value is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape as esc
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from intake import bodymap, steps
from intake.summary import StepSummary

register = template.Library()


@register.filter
def tel(number: object) -> str:
    """A phone number as a tel: link's address: "01632 960000" → "tel:01632960000" (digits, and
    a leading "+" if there is one; spaces, dashes and brackets are not part of it)."""
    text = str(number).strip()
    digits = "".join(ch for ch in text if ch.isascii() and ch.isdigit())
    return f"tel:{'+' if text.startswith('+') else ''}{digits}"


def _page_url(token: str, section: StepSummary, code: str) -> str:
    """The address of the page that asks `code` (its short page, for a step asked on several;
    the identity details are on the first page of their step), escaped."""
    page = steps.PAGE_OF_QUESTION.get(code) or steps.page_for(section.step.code)
    if page is None or page.page_number == 1:
        return esc(reverse("intake:step", args=[token, section.step.code]))
    return esc(reverse("intake:step_page", args=[token, page.code, page.page]))


@register.simple_tag
def summary_list(sections: Iterable[StepSummary], token: str | None = None) -> SafeString:
    """`sections` as summary lists; with the draft's `token`, each answer has a Change link
    back to its step (`?return=check`, so the patient comes back to the check page)."""
    not_sure = esc(_("Not sure"))
    not_provided = esc(_("Not provided"))
    change = esc(_("Change"))
    parts = []
    for section in sections:
        parts.append(
            f'<h2 class="h4 mt-4">{esc(section.step.title)}</h2>\n<dl class="summary-list">\n'
        )
        for row in section.rows:
            step_url = _page_url(token, section, row.code) if token else ""
            question = esc(row.question)
            if not row.provided:
                answer = f'<span class="text-body-secondary">{not_provided}</span>'
            elif row.not_sure:
                answer = f'{esc(row.answer)} <span class="badge text-bg-warning">{not_sure}</span>'
            else:
                answer = esc(row.answer)
            parts += [
                f'  <div class="summary-list__row" id="row-{esc(row.code)}">\n',
                f'    <dt class="summary-list__key">{question}</dt>\n',
                f'    <dd class="summary-list__value">{answer}</dd>\n',
            ]
            if token:
                code = esc(row.code)
                parts.append(
                    f'    <dd class="summary-list__actions d-print-none"><a href="{step_url}'
                    f'?return=check&amp;row={code}#div_id_{code}">{change}'
                    f'<span class="visually-hidden"> {question}</span></a></dd>\n'
                )
            parts.append("  </div>\n")
        parts.append("</dl>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


@register.filter
def has_bodymap(form: Any) -> bool:
    """Whether the form shows a body map: the page then loads the map's script (the others do
    not, to stay light)."""
    return any(name in bodymap.FIELDS for name in getattr(form, "fields", ()))

"""The summary list of answers (intake/questionnaire/templatetags/questionnaire.py), row by row."""

from __future__ import annotations

import re
from unittest import mock

from django.template import Context, Template
from django.utils import translation

from intake import steps, summary
from intake.summary import Row, StepSummary, summarise
from tests.journey import identity_for, vignette_answers

PAGE = steps.STEPS_BY_CODE["better_worse"]


def render(sections: list[StepSummary], token: str | None) -> str:
    source = "{% load questionnaire %}{% summary_list sections token %}"
    return Template(source).render(Context({"sections": sections, "token": token}))


def rows(html: str) -> list[str]:
    return re.findall(r'<div class="summary-list__row" id="row-[^"]*">(.*?)</div>', html, re.S)


def test_each_answer_is_a_row_with_question_and_answer_and_a_change_link() -> None:
    section = StepSummary(PAGE, [Row("ecq3_uphill", "Uphill?", "Yes", provided=True)])
    html = render([section], "abc123")
    assert f'<h2 class="h4 mt-4">{PAGE.title}</h2>' in html
    (row,) = rows(html)
    assert '<dt class="summary-list__key">Uphill?</dt>' in row
    assert '<dd class="summary-list__value">Yes</dd>' in row
    link = re.search(r'<a href="([^"]+)">Change<span class="visually-hidden"> Uphill\?</span>', row)
    # The link names its row, so that the patient comes back to it after the change.
    assert link and link.group(1) == (
        "/intake/abc123/better_worse/?return=check&amp;row=ecq3_uphill#div_id_ecq3_uphill"
    )
    assert '<div class="summary-list__row" id="row-ecq3_uphill">' in html


def test_unanswered_and_not_sure_answers_say_so() -> None:
    section = StepSummary(
        PAGE,
        [
            Row("height_cm", "Height", "", provided=False),
            Row("ecq3_uphill", "Uphill?", "Not sure", provided=True, not_sure=True),
        ],
    )
    skipped, unsure = rows(render([section], "abc123"))
    assert '<span class="text-body-secondary">Not provided</span>' in skipped
    assert 'Not sure <span class="badge text-bg-warning">Not sure</span>' in unsure


def test_without_a_token_there_are_no_change_links() -> None:
    # The confirmation page: the form is sent and cannot be changed.
    section = StepSummary(PAGE, [Row("ecq3_uphill", "Uphill?", "Yes", provided=True)])
    html = render([section], None)
    assert "Change" not in html and "<a " not in html and "summary-list__actions" not in html
    assert len(rows(html)) == 1


def test_every_value_is_escaped() -> None:
    section = StepSummary(PAGE, [Row('c"<x>', "<b>Q</b> & co", '<script>"a"</script>', True)])
    html = render([section], "t<&>")
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;&quot;a&quot;&lt;/script&gt;" in html
    assert "&lt;b&gt;Q&lt;/b&gt; &amp; co" in html
    assert "#div_id_c&quot;&lt;x&gt;" in html and 'id="row-c&quot;&lt;x&gt;"' in html
    assert "/intake/t%3C&amp;%3E/better_worse/" in html


def test_a_whole_form_has_one_list_per_step_and_one_row_per_shown_answer() -> None:
    answers = vignette_answers("V07")
    sections = summarise(answers, identity_for(answers))
    html = render(sections, "abc123")
    assert html.count('<dl class="summary-list">') == len(sections)
    assert len(rows(html)) == sum(len(s.rows) for s in sections)
    assert html.count("?return=check&amp;row=") == len(rows(html))
    ids = re.findall(r'<div class="summary-list__row" id="([^"]+)">', html)
    assert len(ids) == len(set(ids)) == len(rows(html))  # each row its own anchor


def test_catalogue_texts_are_translated_once_per_language() -> None:
    summary._TRANSLATED.clear()
    answers = vignette_answers("V07")
    expected = summarise(answers, None)
    with mock.patch.object(summary, "_", side_effect=lambda text: text) as gettext:
        assert summarise(answers, None) == expected  # every text remembered already
        assert gettext.call_count == 0
        with translation.override("cy"):  # a language of its own: asked for again
            assert summarise(answers, None) == expected
    questions = {row.question for section in expected for row in section.rows}
    asked = {call.args[0] for call in gettext.call_args_list}
    assert questions <= asked

"""The markup of radio and checkbox questions (intake/formhtml.py), question by question.

Nearly every question is a radio or checkbox group, written in Python rather than by crispy's
templates; these tests hold it to what a patient using a screen reader needs (a fieldset named
by the question, hints and errors linked by aria-describedby, every value escaped) and to the
markup of the template path it replaced.
"""

from __future__ import annotations

import re
from typing import Any
from unittest import mock

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout
from crispy_forms.utils import render_crispy_form
from django.http import QueryDict
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation

from intake import steps
from intake.formhtml import FieldBlock, FixedTemplate
from intake.questionnaire.forms import IdentityFields, StepForm
from intake.triage import AnswerType

CHOICE_TYPES = {
    AnswerType.YES_NO,
    AnswerType.YES_NO_UNSURE,
    AnswerType.SINGLE,
    AnswerType.MULTI,
    AnswerType.SCALE_0_10,
}
CHOICE_QUESTIONS = [
    (page, question)
    for page in steps.STEPS
    for question in page.questions
    if question.type in CHOICE_TYPES
]


def question_html(html: str, code: str) -> str:
    """The `question` wrapper of one question in a rendered page."""
    start = html.index(f'data-question="{code}"')
    ends = [html.find(marker, start + 1) for marker in ('class="question"', 'class="d-none"')]
    return html[start : min(end for end in ends if end != -1)]


def test_nearly_every_question_is_a_choice_question() -> None:
    # If this drops, the fast path no longer covers most of a page: look at intake/forms.py.
    total = sum(len(page.questions) for page in steps.STEPS)
    assert len(CHOICE_QUESTIONS) >= 0.8 * total


@pytest.mark.parametrize(
    ("page", "question"), CHOICE_QUESTIONS, ids=[q.code for _, q in CHOICE_QUESTIONS]
)
def test_a_refused_choice_question_is_a_named_fieldset_with_linked_error_and_hint(
    page: steps.FormStep, question: object
) -> None:
    code = question.code  # type: ignore[attr-defined]
    posted = QueryDict(mutable=True)  # as a browser posts it: a list for checkboxes
    posted.setlist(code, ['zz<b>"&'])
    form = StepForm(posted, step=page, saved={})
    assert not form.is_valid() and code in form.errors
    html = question_html(render_crispy_form(form), code)

    described = re.search(r'<fieldset aria-describedby="([^"]+)">', html)
    assert described, "the question is a fieldset linked to its error"
    for target in described.group(1).split():
        assert f'id="{target}"' in html, f"aria-describedby points at a missing {target}"
    assert f'id="id_{code}_error"' in described.group(0) or f"id_{code}_error" in described.group(1)
    if question.hint:  # type: ignore[attr-defined]
        assert f"id_{code}_helptext" in described.group(1)

    legend = re.search(r"<legend[^>]*>(.*?)</legend>", html, re.S)
    assert legend and str(form.fields[code].label) in legend.group(1)

    inputs = re.findall(r"<input ([^>]*)>", html)
    choices = [value for value, _label in form.fields[code].choices]
    assert len(inputs) == len(choices)
    for attrs, value in zip(inputs, choices, strict=True):
        assert f'name="{code}"' in attrs and f'value="{value}"' in attrs
        assert 'aria-invalid="true"' in attrs and "is-invalid" in attrs
    # What the patient typed is shown escaped, never as markup.
    assert "zz&lt;b&gt;&quot;&amp;" in html and "zz<b>" not in html


def test_saved_answers_are_checked_and_nothing_else() -> None:
    page = steps.STEPS_BY_CODE["red_flags"]
    html = render_crispy_form(StepForm(step=page, saved={"rf_fever": "yes", "rf_fainted": "no"}))
    checked = re.findall(r'name="(\w+)" value="(\w+)"[^>]* checked', html)
    assert sorted(checked) == [("rf_fainted", "no"), ("rf_fever", "yes")]
    assert "is-invalid" not in html and "aria-invalid" not in html


def test_pain_scores_are_inline_radios_with_the_error_after_the_group() -> None:
    page = steps.STEPS_BY_CODE["where_it_hurts"]
    form = StepForm({"pain_score_now": "11"}, step=page, saved={})
    assert not form.is_valid()
    html = question_html(render_crispy_form(form), "pain_score_now")
    assert html.count('class="form-check form-check-inline"') == 11
    last_option = html.rindex('class="form-check form-check-inline"')
    assert html.index('id="id_pain_score_now_error"') > last_option


def _normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


def _rendered_with(form: Any, layout_object: object) -> str:
    """The form rendered by crispy with `layout_object` as its whole layout, whitespace
    normalised: the same form through FieldBlock and through crispy's templates compares."""
    form.helper = FormHelper()
    form.helper.form_tag = False
    form.helper.disable_csrf = True
    form.helper.layout = Layout(layout_object)
    return _normalised(render_crispy_form(form))


REFUSED = {
    "rf_fever": "x",
    "pain_regions": ["x"],
    "onset_speed": "x",
    "full_name": "<b>Ann</b>",
    "date_of_birth": "31/02/1990",
    "email": "not an email",
    "phone": "0",
    "medication_list": '<b>Aspirin</b> & "co"\n' + "x" * 2000,  # too long, kept as typed
    "main_problem_text": "",
}
LAYOUT_CASES = [
    "rf_fever",
    "pain_regions",
    "onset_speed",
    "full_name",
    "date_of_birth",
    "email",
    "medication_list",
    "main_problem_text",
]


@pytest.mark.parametrize("code", LAYOUT_CASES)
@pytest.mark.parametrize("data", [None, REFUSED], ids=["blank", "refused"])
def test_the_layout_object_writes_what_the_field_template_writes(
    code: str, data: dict[str, object] | None
) -> None:
    if code in IdentityFields.base_fields:
        page = next(p for p in steps.STEPS if p.collects_identity)
    else:
        page = next(p for p in steps.STEPS if any(q.code == code for q in p.questions))

    def rendered(layout_object: object) -> str:
        form = StepForm(data, step=page, saved={})
        if data is not None:
            assert not form.is_valid()
            if code == "medication_list":  # too long: refused, and shown as typed
                assert code in form.errors
        return _rendered_with(form, layout_object)

    through_templates = rendered(Div(Field(code), css_class="question", data_question=code))
    in_python = rendered(FieldBlock(code, data_question=code))
    assert in_python == through_templates


def test_a_refused_text_field_links_its_error_and_hint_and_keeps_the_value_escaped() -> None:
    page = next(p for p in steps.STEPS if p.collects_identity)
    form = StepForm(
        {"date_of_birth": '<b>"x"</b>', "email": "ann@example.org"}, step=page, saved={}
    )
    assert not form.is_valid() and "date_of_birth" in form.errors
    html = render_crispy_form(form)
    date = question_html(html, "date_of_birth")
    field = re.search(r'<input type="date" name="date_of_birth"([^>]*)>', date)
    assert field, "the date of birth is a date input"
    assert 'value="&lt;b&gt;&quot;x&quot;&lt;/b&gt;"' in field.group(1)
    assert 'aria-invalid="true"' in field.group(1) and "is-invalid" in field.group(1)
    described = re.search(r'aria-describedby="([^"]+)"', field.group(1))
    assert described and set(described.group(1).split()) == {
        "id_date_of_birth_helptext",
        "id_date_of_birth_error",
    }
    for target in described.group(1).split():
        assert f'id="{target}"' in date
    email = question_html(html, "email")
    assert 'value="ann@example.org"' in email and "is-invalid" not in email


def test_free_text_is_a_textarea_that_keeps_what_was_typed_escaped() -> None:
    page = steps.STEPS_BY_CODE["medications"]
    typed = '<b>Aspirin</b> & "co"\n' + "x" * 2000
    form = StepForm({"medication_list": typed}, step=page, saved={})
    assert not form.is_valid() and "medication_list" in form.errors  # longer than 2,000
    block = question_html(render_crispy_form(form), "medication_list")
    area = re.search(r'<textarea name="medication_list"([^>]*)>\n(.*?)</textarea>', block, re.S)
    assert area, "free text is a textarea"
    assert area.group(2) == "&lt;b&gt;Aspirin&lt;/b&gt; &amp; &quot;co&quot;\n" + "x" * 2000
    assert 'maxlength="2000"' in area.group(1) and 'aria-invalid="true"' in area.group(1)
    described = re.search(r'aria-describedby="([^"]+)"', area.group(1))
    assert described and set(described.group(1).split()) == {
        "id_medication_list_helptext",
        "id_medication_list_error",
    }


def test_the_honeypot_is_hidden_from_people_and_assistive_technology() -> None:
    page = steps.STEPS_BY_CODE["red_flags"]
    html = render_crispy_form(StepForm(step=page, saved={}))
    honeypot = html[html.index('class="d-none"') :]
    assert 'aria-hidden="true"' in honeypot[:40]
    assert re.search(
        r'<input type="text" name="website" autocomplete="off" tabindex="-1"', honeypot
    )


def test_options_with_the_same_codes_keep_their_own_labels() -> None:
    # The escaped option texts are remembered per set of choices: two fields with the same
    # codes but other labels must never show each other's.
    from django import forms

    from intake.formhtml import check_group

    class Two(forms.Form):
        first = forms.ChoiceField(
            choices=[("yes", "Yes <b>"), ("no", "No")], widget=forms.RadioSelect
        )
        second = forms.ChoiceField(
            choices=[("yes", "I agree"), ("no", "I do not")], widget=forms.RadioSelect
        )

    form = Two({"first": "no", "second": "yes"})
    first, second = check_group(form["first"]), check_group(form["second"])
    assert "Yes &lt;b&gt;" in first and "I agree" not in first
    assert "I agree" in second and "Yes" not in second
    assert re.search(r'value="no" id="id_first_1"[^>]* checked', first)
    assert re.search(r'value="yes" id="id_second_0"[^>]* checked', second)


def test_grouped_choices_have_djangos_option_ids_and_group_names() -> None:
    from django import forms

    from intake.formhtml import check_group

    class Grouped(forms.Form):
        where = forms.MultipleChoiceField(
            choices=[("Left <leg>", [("l_calf", "Calf"), ("l_foot", "Foot")]), ("back", "Back")],
            widget=forms.CheckboxSelectMultiple,
        )

    form = Grouped({"where": ["l_foot", "back"]})
    html = check_group(form["where"])
    assert "<strong>Left &lt;leg&gt;</strong>" in html
    bound = form["where"]
    for _group, options, _index in bound.field.widget.optgroups(
        bound.html_name, bound.field.widget.format_value(bound.value()), {"id": bound.auto_id}
    ):
        for option in options:
            tag = re.search(rf'<input [^>]*value="{option["value"]}"[^>]*>', html)
            assert tag, option["value"]
            assert f'id="{option["attrs"]["id"]}"' in tag.group(0)
            assert (" checked" in tag.group(0)) == option["selected"]


def test_choice_values_that_compare_equal_keep_their_own_text() -> None:
    # True == 1 and False == 0: remembered texts must not cross from one to the other.
    from django import forms
    from django.utils.translation import gettext_lazy

    from intake.formhtml import check_group

    yes, no = gettext_lazy("Yes"), gettext_lazy("No")

    class Flags(forms.Form):
        as_bool = forms.TypedChoiceField(
            choices=[(True, yes), (False, no)], widget=forms.RadioSelect
        )
        as_int = forms.TypedChoiceField(choices=[(1, yes), (0, no)], widget=forms.RadioSelect)

    form = Flags(initial={"as_bool": True, "as_int": 1})
    assert re.search(r'value="True" id="id_as_bool_0"[^>]* checked', check_group(form["as_bool"]))
    assert re.search(r'value="1" id="id_as_int_0"[^>]* checked', check_group(form["as_int"]))


def test_fields_it_does_not_write_go_through_crispys_templates() -> None:
    # A single checkbox, a field that keeps its initial value in a hidden input, and a widget of
    # several parts: FieldBlock hands them to crispy, whose markup they keep.
    from django import forms

    class Other(forms.Form):
        agree = forms.BooleanField(label="I agree", required=False)
        kept = forms.CharField(show_hidden_initial=True, initial="a", required=False)
        when = forms.SplitDateTimeField(required=False)

    for name in ("agree", "kept", "when"):
        through_blocks = _rendered_with(Other(), FieldBlock(name))
        through_templates = _rendered_with(Other(), Div(Field(name), css_class="question"))
        assert through_blocks == through_templates, name
    html = render_crispy_form(Other())
    assert 'class="form-check"' in html and 'name="initial-kept"' in html


# --- The body map: a fixed template rendered once per language ---------------------------------


@pytest.mark.parametrize("code", ["pain_regions", "ecq6_sites"])
def test_body_map_is_the_include_it_replaced_and_is_rendered_once(code: str, settings) -> None:
    settings.DEBUG = False
    included = HTML(f'{{% include "intake/_bodymap.html" with field="{code}" %}}').render(
        None, Context({})
    )
    picture = FixedTemplate("intake/_bodymap.html", field=code)
    with mock.patch("intake.formhtml.render_to_string", wraps=render_to_string) as rendered:
        assert picture.render(None, Context({})) == included
        assert picture.render(None, Context({})) == included
        with translation.override("cy"):  # another language: a rendering of its own
            picture.render(None, Context({}))
    assert [(c.args[0], c.args[1]["field"]) for c in rendered.call_args_list] == [
        ("intake/_bodymap.html", code),
    ] * 2
    assert picture.context == {"field": code}  # not written into by the template's tags
    assert f'data-bodymap-field="{code}"' in included


def test_body_map_is_rendered_every_time_with_debug_on(settings) -> None:
    settings.DEBUG = True
    picture = FixedTemplate("intake/_bodymap.html", field="pain_regions")
    with mock.patch("intake.formhtml.render_to_string", wraps=render_to_string) as rendered:
        picture.render(None, Context({}))
        picture.render(None, Context({}))
    assert rendered.call_count == 2


def test_body_map_steps_show_the_picture_before_the_checkboxes() -> None:
    # Through the step's form: the picture is inside the question's wrapper, before the list.
    page = next(p for p in steps.STEPS if any(q.code == "pain_regions" for q in p.questions))
    form = StepForm(step=page, saved={})
    html = render_crispy_form(form)
    block = question_html(html, "pain_regions")
    assert block.index("data-bodymap-field") < block.index('name="pain_regions"')


# --- The form on a page: crispy's layout rendering without its wrapper template -----------------


def _page_form(form: Any, tag: str) -> str:
    source = "{% load crispy_forms_tags intake_forms %}" + tag
    return Template(source).render(Context({"form": form}))


@pytest.mark.parametrize("page", steps.STEPS, ids=[p.code for p in steps.STEPS])
@pytest.mark.parametrize("posted", [False, True], ids=["blank", "refused"])
def test_crispy_fields_is_what_the_crispy_tag_renders(page: steps.FormStep, posted: bool) -> None:
    data = QueryDict(mutable=True)
    if posted:  # every question answered with something it refuses
        for question in page.questions:
            data.setlist(question.code, ["zz<b>"])
        data["date_of_birth"] = "31/02/1990"

    def form() -> StepForm:
        made = StepForm(data if posted else None, step=page, saved={})
        if posted:
            assert not made.is_valid()
        return made

    ours = _page_form(form(), "{% crispy_fields form %}")
    crispys = _page_form(form(), "{% crispy form %}")
    assert _normalised(ours) == _normalised(crispys)
    assert "<form" not in ours and "csrfmiddlewaretoken" not in ours


def test_crispy_fields_shows_errors_of_the_whole_form() -> None:
    page = steps.STEPS_BY_CODE["red_flags"]
    form = StepForm({}, step=page, saved={})
    form.is_valid()
    form.add_error(None, "Something about the <whole> form")
    html = _page_form(form, "{% crispy_fields form %}")
    assert '<div class="alert alert-block alert-danger">' in html
    assert "<li>Something about the &lt;whole&gt; form</li>" in html
    assert _normalised(html) == _normalised(_page_form(form, "{% crispy form %}"))


def test_crispy_fields_leaves_other_helpers_to_crispy() -> None:
    # A helper that writes its own <form> tag and CSRF input: crispy's full rendering.
    form = StepForm(step=steps.STEPS_BY_CODE["red_flags"], saved={})
    form.helper.form_tag = True
    form.helper.disable_csrf = False
    html = _page_form(form, "{% crispy_fields form %}")
    assert html.lstrip().startswith("<form") and 'method="post"' in html

"""The body map's regions: every region is a real answer, named as the checkbox list names it,
drawn on each leg shown; the map draws the leg "Which leg?" names, or both."""

from __future__ import annotations

import json
import re

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string

from intake import bodymap, steps
from intake.questionnaire.forms import StepForm
from intake.triage import QUESTIONS_BY_CODE


@pytest.mark.parametrize("field", sorted(bodymap.FIELDS))
def test_regions_are_choices_of_the_question_in_its_order_with_its_labels(field: str) -> None:
    choices = [(c.code, c.label) for c in QUESTIONS_BY_CODE[field].choices]
    regions = [(r.code, r.label) for r in bodymap.regions(field)]
    assert regions == [c for c in choices if c[0] in {code for code, _ in regions}]
    # Only answers that are not a place on one leg are left to the list.
    assert {code for code, _ in choices} - {code for code, _ in regions} <= {"whole_leg", "other"}


def _uses(html: str) -> list[tuple[str, str, str]]:
    """(shape, place, transform) of every <use> of a piece of the map."""
    return re.findall(
        r'<use (?:class="[^"]*" )?href="#bodymap-[a-z0-9_]+-p-([a-z-]+)" data-place="([a-z-]+)"'
        r'(?: data-half)? transform="([^"]+)"/>',
        html,
    )


@pytest.mark.parametrize("field", sorted(bodymap.FIELDS))
def test_every_shape_a_region_uses_is_drawn_and_placed_on_both_legs(field: str) -> None:
    html = render_to_string("intake/_bodymap.html", {"field": field})
    drawn = set(re.findall(rf'<path id="bodymap-{field}-p-([a-z-]+)"', html))
    for region in bodymap.regions(field):
        group = re.search(rf'data-code="{region.code}".*?</g>', html, re.S)
        assert group, region.code
        assert f">{region.label}</title>" in group[0]
        uses = _uses(group[0])
        assert len(uses) == group[0].count("<use"), "every <use> is placed"
        assert {shape for shape, _, _ in uses} <= drawn
        places = {(shape, place) for shape, place, _ in uses}
        for shape, place, transform in uses:
            view, side = place.split("-")
            # Drawn as "both legs" lays it out, on each leg of its view.
            assert transform == bodymap.transform(view, side, bodymap.BOTH)
            if shape == bodymap.LOWER_BACK:
                assert side == "mid"  # drawn once, across the middle
            else:
                other = "left" if side == "right" else "right"
                assert (shape, f"{view}-{other}") in places, (region.code, shape)
    # The lower back: whole with both legs, its half on the side of one leg.
    if field == "pain_regions":
        group = re.search(r'data-code="lower_back".*?</g>', html, re.S)
        assert group and sorted((s, p) for s, p, _ in _uses(group[0])) == [
            ("lower-back", "back-mid"),
            ("lower-back-half", "back-left"),
            ("lower-back-half", "back-right"),
        ]


def test_each_view_has_its_legs_as_a_patient_sees_them() -> None:
    # Facing us, the patient's right leg is on our left (mirrored about the front midline); from
    # behind, on our right. One leg: front in the left half, back in the right, at x 13.5-86.5
    # and 113.5-186.5 (the one-leg outline is 73 wide).
    assert bodymap.transform("front", "right", "both") == "translate(105 0) scale(-1 1)"
    assert bodymap.transform("front", "left", "both") == "translate(105 0)"
    assert bodymap.transform("back", "left", "both") == "translate(315 0) scale(-1 1)"
    assert bodymap.transform("back", "right", "both") == "translate(315 0)"
    assert bodymap.transform("front", "right", "right") == "translate(86.5 0) scale(-1 1)"
    assert bodymap.transform("back", "right", "right") == "translate(113.5 0)"
    assert bodymap.transform("front", "left", "left") == "translate(13.5 0)"
    assert bodymap.transform("back", "left", "left") == "translate(186.5 0) scale(-1 1)"
    layouts = json.loads(bodymap.layouts_json())
    assert layouts["right"]["viewBox"] == layouts["left"]["viewBox"] == "0 52 200 488"
    assert layouts["both"]["viewBox"] == "0 52 420 488"
    assert layouts["right"]["front-right"] == "translate(86.5 0) scale(-1 1)"
    assert "front-left" not in layouts["right"]


@pytest.mark.parametrize(
    ("answer", "legs"),
    [("left", "left"), ("right", "right"), ("both", "both"), ("not_sure", "both"), (None, "both")],
)
def test_the_legs_drawn_follow_which_leg(answer: str | None, legs: str) -> None:
    assert bodymap.legs_for(answer) == legs


def test_one_leg_is_drawn_and_named_for_the_patient() -> None:
    html = render_to_string("intake/_bodymap.html", {"field": "pain_regions", "legs": "left"})
    assert 'data-bodymap-leg="left"' in html and 'viewBox="0 52 200 488"' in html
    for shape, place, transform in _uses(html):
        view, side = place.split("-")
        assert transform == bodymap.transform(view, side, "left"), (shape, place)
    # The labels say whose leg it is; each sits under its leg (the other leg's are hidden).
    assert '<span data-place="front-left">Your left leg</span>' in html
    assert '<span data-place="front-right">Your right leg</span>' in html
    staff = render_to_string("intake/_bodymap.html", {"field": "pain_regions", "audience": "staff"})
    assert '<span data-place="front-right">Right leg</span>' in staff
    assert "Your right leg" not in staff


def test_the_map_on_the_page_draws_the_leg_answered() -> None:
    where = steps.STEPS_BY_CODE["where_it_hurts"]
    posted = StepForm(QueryDict("affected_side=left"), step=where, saved={})
    posted.is_valid()
    assert 'data-bodymap-leg="left"' in posted.as_questions()
    assert 'data-bodymap-leg="both"' in StepForm(step=where, saved={}).as_questions()
    saved = StepForm(step=where, saved={"affected_side": "right"})
    assert 'data-bodymap-leg="right"' in saved.as_questions()
    # On a later page (ECQ 6), the leg answered before.
    later = StepForm(step=steps.STEPS_BY_CODE["better_worse"], saved={"affected_side": "right"})
    assert 'data-bodymap-leg="right"' in later.as_questions()


def test_other_fields_get_no_map() -> None:
    assert bodymap.regions("walk_pain_eased_by") == []
    assert render_to_string("intake/_bodymap.html", {"field": "calf_tender"}).strip() == ""

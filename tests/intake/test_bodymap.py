"""The body map's regions: every region is a real answer, named as the checkbox list names it."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string

from intake import bodymap
from intake.triage import QUESTIONS_BY_CODE


@pytest.mark.parametrize("field", sorted(bodymap.FIELDS))
def test_regions_are_choices_of_the_question_in_its_order_with_its_labels(field: str) -> None:
    choices = [(c.code, c.label) for c in QUESTIONS_BY_CODE[field].choices]
    regions = [(r.code, r.label) for r in bodymap.regions(field)]
    assert regions == [c for c in choices if c[0] in {code for code, _ in regions}]
    # Only answers that are not a place on one leg are left to the list.
    assert {code for code, _ in choices} - {code for code, _ in regions} <= {"whole_leg", "other"}


@pytest.mark.parametrize("field", sorted(bodymap.FIELDS))
def test_every_shape_a_region_uses_is_drawn_and_placed_on_both_legs(field: str) -> None:
    html = render_to_string("intake/_bodymap.html", {"field": field})
    drawn = set(re.findall(rf'<path id="bodymap-{field}-p-([a-z-]+)"', html))
    for region in bodymap.regions(field):
        group = re.search(rf'data-code="{region.code}".*?</g>', html, re.S)
        assert group, region.code
        assert f">{region.label}</title>" in group[0]
        uses = re.findall(r'href="#bodymap-[a-z0-9_]+-p-([a-z-]+)" transform="([^"]+)"', group[0])
        assert {shape for shape, _ in uses} <= drawn
        for shape, transform in uses:
            if shape != "lower-back":
                assert (shape, f"{transform.split(' scale')[0]} scale(-1 1)") in uses


def test_other_fields_get_no_map() -> None:
    assert bodymap.regions("walk_pain_eased_by") == []
    assert render_to_string("intake/_bodymap.html", {"field": "calf_tender"}).strip() == ""

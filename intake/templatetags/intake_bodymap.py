"""The body map's regions and layouts for templates/intake/_bodymap.html."""

from __future__ import annotations

from django import template

from intake import bodymap

register = template.Library()


@register.simple_tag
def bodymap_regions(field: str) -> list[bodymap.Region]:
    return bodymap.regions(field)


@register.simple_tag
def bodymap_outlines() -> list[bodymap.Placement]:
    return bodymap.outlines()


@register.simple_tag
def bodymap_transform(place: bodymap.Placement, legs: str) -> str:
    return place.transform(bodymap.legs_for(legs))


@register.simple_tag
def bodymap_view_box(legs: str) -> str:
    return bodymap.VIEW_BOXES[bodymap.legs_for(legs)]


@register.simple_tag
def bodymap_layouts() -> str:
    """Every layout as JSON (escaped by the template, as an attribute's value)."""
    return bodymap.layouts_json()

"""The body map's regions for templates/intake/_bodymap.html."""

from __future__ import annotations

from django import template

from intake import bodymap

register = template.Library()


@register.simple_tag
def bodymap_regions(field: str) -> list[bodymap.Region]:
    return bodymap.regions(field)

"""The body map's regions: which outline shapes tick which answer of a multi-choice question.

The picture (templates/intake/_bodymap.html) draws each outline once in its <defs>; a region
places copies of outlines on both legs of the front (x=100) or back (x=320) view. Region names
are the question's choice labels from the catalogue, so the picture and the checkbox list can
never name an answer differently. How to add a region: docs/bodymap.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext

from intake.triage import QUESTIONS_BY_CODE

FRONT, BACK = 100, 320

# Answer code → (outline id, view), each placed on both legs; the lower back spans the midline
# and is drawn once.
_AREAS: dict[str, dict[str, tuple[tuple[str, int], ...]]] = {
    "pain_regions": {
        "lower_back": (("lower-back", BACK),),
        "buttock": (("buttock", BACK),),
        "groin_hip": (("groin", FRONT),),
        "thigh_front": (("thigh-front", FRONT),),
        "thigh_back": (("thigh-back", BACK),),
        "knee": (("knee", FRONT),),
        "behind_knee": (("behind-knee", BACK),),
        "calf": (("calf", BACK),),
        "shin": (("shin", FRONT),),
        "ankle": (("ankle-front", FRONT), ("ankle-back", BACK)),
        "foot": (("foot-front", FRONT), ("heel", BACK)),
        "toes": (("toes", FRONT),),
    },
    # "other" (Somewhere else) has no region; the lower back is drawn but not selectable.
    "ecq6_sites": {
        "calf": (("calf", BACK),),
        "thigh": (("thigh-front", FRONT),),
        "hamstring": (("thigh-back", BACK),),
        "buttock": (("buttock", BACK),),
        "shin": (("shin", FRONT),),
        "foot": (("foot-front", FRONT), ("toes", FRONT), ("heel", BACK)),
        "joint": (
            ("groin", FRONT),
            ("knee", FRONT),
            ("behind-knee", BACK),
            ("ankle-front", FRONT),
            ("ankle-back", BACK),
        ),
    },
}
LOWER_BACK_ONCE = "lower-back"
FIELDS = frozenset(_AREAS)


@dataclass(frozen=True)
class Placement:
    shape: str
    x: int
    mirrored: bool  # the copy on the other leg


@dataclass(frozen=True)
class Region:
    code: str
    label: str
    placements: tuple[Placement, ...]


def regions(field: str) -> list[Region]:
    """The selectable regions of the map for this question, in the catalogue's choice order."""
    if field not in _AREAS:
        return []
    areas = _AREAS[field]
    found = []
    for choice in QUESTIONS_BY_CODE[field].choices:
        if choice.code not in areas:
            continue
        placements: list[Placement] = []
        for shape, x in areas[choice.code]:
            if shape != LOWER_BACK_ONCE:
                placements.append(Placement(shape, x, mirrored=True))
            placements.append(Placement(shape, x, mirrored=False))
        found.append(Region(choice.code, gettext(choice.label), tuple(placements)))
    return found

"""The body map's regions and layouts: which outline shapes tick which answer of a multi-choice
question, and where each shape is drawn for the leg(s) shown.

The picture (templates/intake/_bodymap.html) draws each outline once in its <defs>, for one leg
(on the viewer's right of a midline at x=0); a region places copies of it on the legs of the
front and the back view. Region names are the question's choice labels from the catalogue, so
the picture and the checkbox list can never name an answer differently.

The map follows "Which leg?" (`affected_side`): for "Left" or "Right" only that leg is drawn,
front and back, twice the size; for "Both", "Not sure" or no answer, both legs. The answers do
not say which leg a place is on, so with both legs drawn a place lights up on both. How to add
a region, and the layouts: docs/bodymap.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext

from intake.triage import QUESTIONS_BY_CODE

FRONT, BACK = "front", "back"
# Which legs are drawn: both, or the patient's right or left one only.
BOTH, RIGHT, LEFT = "both", "right", "left"
LEGS = (BOTH, RIGHT, LEFT)
# The question that says which leg, and which of its answers show one leg only.
LEG_QUESTION = "affected_side"

# Answer code → (outline id, view), each placed on each leg drawn; the lower back spans the
# midline: drawn whole with both legs, its half on the leg's side with one.
_AREAS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
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
LOWER_BACK = "lower-back"
LOWER_BACK_HALF = "lower-back-half"
FIELDS = frozenset(_AREAS)

# Where a leg of a view is drawn, per legs shown: the midline's x and whether the outline (drawn
# for the viewer's right) is mirrored. Facing us (front view) the patient's right leg is on the
# viewer's left; from behind (back view) it is on the viewer's right. "mid" is the whole lower
# back. One leg: front on the left, back on the right, each centred in half of a 200-wide box.
_PLACES: dict[str, dict[tuple[str, str], tuple[float, bool]]] = {
    BOTH: {
        (FRONT, RIGHT): (105, True),
        (FRONT, LEFT): (105, False),
        (BACK, LEFT): (315, True),
        (BACK, RIGHT): (315, False),
        (BACK, "mid"): (315, False),
    },
    RIGHT: {(FRONT, RIGHT): (86.5, True), (BACK, RIGHT): (113.5, False)},
    LEFT: {(FRONT, LEFT): (13.5, False), (BACK, LEFT): (186.5, True)},
}
# The part of the drawing shown (the legs span y 56-536; the labels are HTML, outside it).
VIEW_BOXES = {BOTH: "0 52 420 488", RIGHT: "0 52 200 488", LEFT: "0 52 200 488"}


def legs_for(answer: object) -> str:
    """Which legs to draw for an answer to "Which leg?": one leg for left or right, else both."""
    return RIGHT if answer == RIGHT else LEFT if answer == LEFT else BOTH


def transform(view: str, side: str, legs: str) -> str:
    """The SVG transform that draws a one-leg outline on `side` of `view` with `legs` shown
    (with both legs' layout when that leg is not drawn: it is hidden, and moved if it is)."""
    x, mirrored = _PLACES[legs].get((view, side)) or _PLACES[BOTH][(view, side)]
    return f"translate({x:g} 0) scale(-1 1)" if mirrored else f"translate({x:g} 0)"


@cache
def layouts_json() -> str:
    """Every layout, for the page's script to redraw the map when "Which leg?" changes:
    {legs: {"viewBox": ..., "<view>-<side>": transform}}."""
    return json.dumps(
        {
            legs: {
                "viewBox": VIEW_BOXES[legs],
                **{f"{view}-{side}": transform(view, side, legs) for view, side in places},
            }
            for legs, places in _PLACES.items()
        },
        separators=(",", ":"),
    )


@dataclass(frozen=True)
class Placement:
    shape: str
    view: str
    side: str  # the patient's leg it is on (right, left), or "mid" (the whole lower back)
    half: bool = False  # the lower back's half, drawn with one leg only

    @property
    def place(self) -> str:
        return f"{self.view}-{self.side}"

    def transform(self, legs: str) -> str:
        return transform(self.view, self.side, legs)


@dataclass(frozen=True)
class Region:
    code: str
    label: str
    placements: tuple[Placement, ...]


def _placements(shape: str, view: str) -> list[Placement]:
    sides = (RIGHT, LEFT) if view == FRONT else (LEFT, RIGHT)  # as seen, left to right
    if shape == LOWER_BACK:
        return [
            Placement(LOWER_BACK, view, "mid"),
            *(Placement(LOWER_BACK_HALF, view, side, half=True) for side in sides),
        ]
    return [Placement(shape, view, side) for side in sides]


def regions(field: str) -> list[Region]:
    """The selectable regions of the map for this question, in the catalogue's choice order."""
    if field not in _AREAS:
        return []
    areas = _AREAS[field]
    found = []
    for choice in QUESTIONS_BY_CODE[field].choices:
        if choice.code not in areas:
            continue
        placements = [p for shape, view in areas[choice.code] for p in _placements(shape, view)]
        found.append(Region(choice.code, gettext(choice.label), tuple(placements)))
    return found


def outlines() -> list[Placement]:
    """The legs' outlines (the drawing under the regions), one per leg of each view."""
    return [
        Placement(f"leg-{view}", view, side)
        for view in (FRONT, BACK)
        for side in ((RIGHT, LEFT) if view == FRONT else (LEFT, RIGHT))
    ]

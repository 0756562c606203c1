"""The demo's answer sets and fictional people (never real patient data).

`seed_demo` fills the local demo's queue and `seed_bench` a benchmark database from the cases in
`demo_cases.json`, the app's own copy of the clinical vignettes (see its "about" lines): the app
never reads the test tree, and a change to the tests' fixtures never changes the demo.

`complete_answers()` turns an answer set into what the web form holds. The tests call it on the
vignettes (tests/journey.py), so the demo, the tests and the benchmarks agree on what a complete
answer set looks like; IDENTITY, CONSENT and identity_for() are shared with the tests the same way.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from intake.triage import QUESTIONS

DEMO_CASES_FILE = Path(__file__).with_name("demo_cases.json")

IDENTITY = {
    "full_name": "Alex Example",
    "date_of_birth": "1961-04-12",
    "email": "alex@example.org",
    "phone": "07700 900123",
    "preferred_contact": "email",
    "gp_practice": "Riverside Surgery",
    "nhs_number": "",
}

CONSENT = {
    "consent_true": "yes",
    "consent_contact": "yes",
    "contact_phone": "07700 900123",
    "consent_share_gp": "yes",
    "ack_not_monitored": "yes",
}


@dataclass(frozen=True)
class DemoCase:
    """One demo patient's story: `answers` are complete (ready for the form and the engine)."""

    id: str
    label: str
    tier: str  # what the engine gives `answers`; a test keeps it true
    answers: dict[str, Any]


def complete_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `answers` with what the web form needs and the vignettes leave blank.

    A vignette that does not set age or sex is a 45-year-old man (which no rule reads on its
    own). Nothing in `answers` is shared with the result, so callers may change either.
    """
    completed = copy.deepcopy(dict(answers))
    completed["age_years"] = completed.get("age_years") or 45
    completed["sex_at_birth"] = completed.get("sex_at_birth") or "male"
    # The form asks what the problem is (no rule reads it) and for the dent test whenever the
    # leg is swollen; "did not check" scores nothing, like the vignettes' blank.
    completed["main_problem"] = completed.get("main_problem") or ["other"]
    # The vignettes' "nothing ticked" is "None of these" on the form (the engine reads both alike).
    for question in QUESTIONS:
        if question.exclusive_none and completed.get(question.code) == []:
            completed[question.code] = ["none"]
    if completed.get("leg_swollen") not in (None, "no") and completed.get("pitting_dent") is None:
        completed["pitting_dent"] = "did_not_check"
    return completed


@cache
def _demo_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEMO_CASES_FILE.read_text(encoding="utf-8"))
    return data


def demo_answers(case_id: str | None = None) -> dict[str, Any]:
    """The demo's defaults (an unremarkable patient), with one case's answers laid over them."""
    data = _demo_data()
    answers = dict(data["defaults"])
    if case_id is not None:
        answers.update(next(c for c in data["cases"] if c["id"] == case_id)["answers"])
    return complete_answers(answers)


def demo_cases() -> list[DemoCase]:
    """Every demo case, in the order the demo cycles through them."""
    return [
        DemoCase(id=c["id"], label=c["label"], tier=c["tier"], answers=demo_answers(c["id"]))
        for c in _demo_data()["cases"]
    ]


def identity_for(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Identity details whose date of birth gives the answers' age today (born on 1 January)."""
    age = answers.get("age_years") or 45
    born = dt.date(dt.date.today().year - int(age), 1, 1)  # noqa: DTZ011 - same day as the form
    return {**IDENTITY, "date_of_birth": born.isoformat()}


# Fictional first names for demo and benchmark patients.
FIRST_NAMES = (
    "Ada", "Ben", "Cara", "Dev", "Elin", "Femi", "Grace", "Hari", "Isla", "Jonah",
    "Kemi", "Luca", "Maya", "Niall", "Orla", "Priya", "Quinn", "Rosa", "Sami", "Tariq",
    "Una", "Vik", "Wren", "Xander", "Yara",
)  # fmt: skip

"""Demo and test answer sets built from the clinical vignettes (never real patient data).

`seed_demo` fills the local demo's queue from these, the tests and the benchmarks fill in the
form with them, so all three agree on what a complete answer set looks like.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from intake.triage import QUESTIONS

# The vignettes copied from the clinical specification (spec §8); the tests' regression fixtures.
VIGNETTES_FILE = (
    Path(__file__).resolve().parent.parent / "tests" / "intake" / "triage" / "vignettes.json"
)

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


def load_vignettes() -> dict[str, Any]:
    return json.loads(VIGNETTES_FILE.read_text())


def vignette_answers(vignette_id: str | None = None) -> dict[str, Any]:
    """The vignettes' defaults, with one vignette's answers laid over them.

    The defaults leave age and sex blank; the web form needs both, so a vignette that does not
    set them is a 45-year-old man (which no rule reads on its own).
    """
    data = load_vignettes()
    answers = dict(data["defaults"])
    if vignette_id is not None:
        vignette = next(v for v in data["vignettes"] if v["id"] == vignette_id)
        answers.update(vignette["answers"])
    answers["age_years"] = answers.get("age_years") or 45
    answers["sex_at_birth"] = answers.get("sex_at_birth") or "male"
    # The form asks what the problem is (no rule reads it) and for the dent test whenever the
    # leg is swollen; "did not check" scores nothing, like the vignettes' blank.
    answers["main_problem"] = answers.get("main_problem") or ["other"]
    # The vignettes' "nothing ticked" is "None of these" on the form (the engine reads both alike).
    for question in QUESTIONS:
        if question.exclusive_none and answers.get(question.code) == []:
            answers[question.code] = ["none"]
    if answers.get("leg_swollen") not in (None, "no") and answers.get("pitting_dent") is None:
        answers["pitting_dent"] = "did_not_check"
    return answers


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

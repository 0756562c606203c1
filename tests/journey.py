"""Walking the patient journey with plain HTTP: used by tests and by bench/ scripts.

`step_post_data()` turns an answer set into exactly what the browser would post for one page,
so tests can fill in the form the way a patient does, field names being question codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intake import steps
from intake.demo import CONSENT, IDENTITY, identity_for, load_vignettes, vignette_answers

# The answer sets and identities are shared with the demo data (intake/demo.py).
__all__ = [
    "CONSENT",
    "IDENTITY",
    "identity_for",
    "load_vignettes",
    "step_post_data",
    "vignette_answers",
]


def step_post_data(
    step_code: str,
    answers: Mapping[str, Any],
    identity: Mapping[str, Any] | None = None,
    action: str = "continue",
) -> dict[str, Any]:
    """The POST body for one page: question codes as field names, choice codes as values."""
    data: dict[str, Any] = {"action": action}
    page = steps.STEPS_BY_CODE[step_code]
    if page.collects_identity:
        data.update({k: v for k, v in (identity or identity_for(answers)).items() if v is not None})
    for question in page.questions:
        value = answers.get(question.code)
        if value is None:
            continue
        data[question.code] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data

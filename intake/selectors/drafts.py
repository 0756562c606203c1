"""The draft as the patient's pages load it (the questionnaire's one read per request)."""

from __future__ import annotations

from intake import plainsql
from intake.models import (
    Submission,
)

# What the patient's pages and their services read of a submission. Loading only these keeps
# the staff-side columns (reasons, scores, assignment, override notes) out of every page of the
# questionnaire; a page that reads another field pays one more query, which the query-count
# tests catch.
PATIENT_PAGE_FIELDS = (
    "token",
    "status",
    "identity",
    "answers",
    "version",
    "interruption_shown_at",
    "interrupted_rules",
    "interruption_handled_at",
    "awaiting_since",
    "held_input",
    "typed_input",
    "resume_failures",
    "overridden_at",
    "reference",
    "tier",
    "fired_rules",
    "submitted_at",
    "language",
)


def submission_get_for_patient(token: str) -> Submission | None:
    """The submission with this token as the patient's pages load it: PATIENT_PAGE_FIELDS only,
    read with a statement built once (intake/plainsql.py), as every questionnaire request does."""
    return plainsql.fetch(Submission, fields=PATIENT_PAGE_FIELDS, token=token)

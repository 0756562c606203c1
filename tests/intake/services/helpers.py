"""Helpers for the services' tests: a draft filled in to the check page, and an outbox row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from intake.models import Notification, Submission
from intake.services import drafts
from tests.factories import SubmissionFactory
from tests.journey import IDENTITY, vignette_answers

# The moment the services are asked to act at (a Wednesday morning, the clinic open).
NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=dt.UTC)


def filled_draft(vignette: str | None = None, **overrides: Any) -> Submission:
    """A draft with every page saved, as if the patient had reached the check page."""
    answers = {**vignette_answers(vignette), **overrides}
    draft = drafts.submission_create_draft(now=NOW)
    born = dt.date(NOW.year - int(answers["age_years"]), 1, 1)
    identity = {**IDENTITY, "date_of_birth": born.isoformat()}
    drafts.submission_save_step(submission=draft, step_answers=answers, identity=identity, now=NOW)
    draft.refresh_from_db()
    return draft


def receipt(**fields: object) -> Notification:
    """A patient's receipt in the outbox, pending and due at NOW, for a sent submission;
    `fields` override any column (kind, channel, status, due_at...)."""
    submission = SubmissionFactory()
    defaults = {
        "kind": Notification.Kind.PATIENT_RECEIPT,
        "recipient": "alex@example.org",
        "template": "patient_receipt",
        "due_at": NOW,
    }
    return Notification.objects.create(submission=submission, **{**defaults, **fields})

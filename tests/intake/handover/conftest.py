"""Cases for the handover's tests: sent forms made through the real patient journey, or (many
at once, faster) from the demo's answer sets with the real engine's result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from intake import clinical
from intake.demo import demo_answers
from intake.models import Submission
from tests.factories import PatientFactory, SubmissionFactory

# A typical case (one page of summary): calf pain on walking in a smoker, sent as SOON.
TYPICAL = "V07"
# Emergency advice shown mid-form, two rules and PE-Wells: PE after a hip replacement.
EMERGENCY = "V02"


@pytest.fixture
def sent(journey: Callable[..., Submission]) -> Callable[..., Submission]:
    """Send a vignette's answers through the patient pages; the sent Submission."""

    def run(vignette: str = TYPICAL, **overrides: object) -> Submission:
        submission = journey(vignette, send=True, **overrides)
        assert submission.reference, "not sent"
        return submission

    return run


def case_from(answers: dict[str, Any], **fields: Any) -> Submission:
    """A sent form with these answers and the engine's real result (no journey: fast)."""
    submission = SubmissionFactory.build(
        answers=answers, patient=fields.pop("patient", None) or PatientFactory(), **fields
    )
    clinical.store_result(submission, clinical.evaluate(answers, now=submission.submitted_at))
    submission.save()
    return submission


def demo_case(case_id: str, **fields: Any) -> Submission:
    """A sent form of one of the demo's cases (intake/demo_cases.json)."""
    return case_from(demo_answers(case_id), **fields)


def moments(count: int, *, start: dt.datetime | None = None) -> list[dt.datetime]:
    """`count` distinct instants a second apart, oldest first."""
    first = start or timezone.now() - dt.timedelta(days=1)
    return [first + dt.timedelta(seconds=i) for i in range(count)]

"""seed_bench: bulk rows shaped like a clinic's history, for the admin benchmark."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from intake.models import Submission

pytestmark = pytest.mark.django_db


def test_seed_bench_refuses_production_without_the_explicit_flag() -> None:
    with pytest.raises(CommandError, match="fake patients"):
        call_command("seed_bench", submissions=10, stdout=io.StringIO())
    assert not Submission.objects.exists()


@override_settings(DEBUG=True)
def test_seed_bench_adds_realistic_rows_and_can_run_twice() -> None:
    call_command("seed_bench", submissions=300, stdout=io.StringIO())
    call_command("seed_bench", submissions=200, awaiting_share=0.5, stdout=io.StringIO())
    rows = Submission.objects.all()
    assert rows.count() == 500
    assert rows.values("reference").distinct().count() == 500
    assert not rows.filter(status=Submission.Status.DRAFT).exists()
    awaiting = rows.filter(status__in=["submitted", "in_review"]).count()
    assert 50 < awaiting < 200  # ~1% of the first 300, ~50% of the next 200
    first = rows.select_related("patient").first()
    assert first is not None and first.patient is not None
    assert first.fired_rules and first.reasons and first.answers
    assert first.tier_rank > 0

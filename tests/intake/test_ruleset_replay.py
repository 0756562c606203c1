"""`triage_replay`: every stored case re-evaluated under the running ruleset, nothing written.

Cases are stored with a fake older triage so that the running ruleset moves one up and one
down (tests/intake/ruleset_cases.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from intake import ruleset_release, triage
from intake.models import AuditEvent, RulesetChange, Submission
from tests.intake.ruleset_cases import (
    FREE_TEXT,
    OLD_RULESET,
    ROUTINE_ANSWERS,
    URGENT_ANSWERS,
    draft,
    stays,
    would_fall,
    would_rise,
)

pytestmark = pytest.mark.django_db


def replay(*args: str) -> tuple[int, str, str]:
    """Run the command; (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("triage_replay", *args, stdout=out, stderr=err)
    except SystemExit as exit_info:
        return int(exit_info.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def cases() -> dict[str, Submission]:
    return {
        "fall": would_fall(),
        "rise": would_rise(),
        "same": stays(),
        "draft": draft(answers=URGENT_ANSWERS),  # no stored tier: counts as "—", goes up
        "empty_draft": draft(answers={}),  # nothing to evaluate: not a case
    }


def test_replay_counts_tier_changes_rules_and_lists_the_fall(cases: dict[str, Submission]) -> None:
    report = ruleset_release.ruleset_replay()
    assert report.ruleset_version == triage.RULESET_VERSION
    assert report.cases == 4
    assert report.transitions == {
        ("URGENT", "ROUTINE"): 1,
        ("ROUTINE", "URGENT"): 1,
        ("URGENT", "URGENT"): 1,
        ("—", "URGENT"): 1,
    }
    assert report.directions == {"up": 2, "same": 1, "down": 1}
    assert report.rules_added == {"RTN_DEFAULT": 1, "URG_DVT": 2}
    assert report.rules_removed == {"URG_DVT": 1, "RTN_DEFAULT": 1}
    [down] = report.downs
    assert (down.id, down.old_tier, down.new_tier) == (cases["fall"].pk, "URGENT", "ROUTINE")


def test_command_prints_the_fall_and_exits_1(cases: dict[str, Submission]) -> None:
    status, out, err = replay()
    assert status == 1
    assert err == ""
    assert f"Replay under ruleset {triage.RULESET_VERSION}: 4 case(s)" in out
    assert "URGENT    -> ROUTINE          1  DOWN" in out
    assert "ROUTINE   -> URGENT           1  up" in out
    assert "—         -> URGENT           1  up" in out
    assert "Cases whose tier would go DOWN (1):" in out
    assert f"  {cases['fall'].reference}: URGENT -> ROUTINE; rules URG_DVT -> RTN_DEFAULT" in out
    # A draft is named by its id; the rising draft is not in the down list.
    assert f"draft #{cases['draft'].pk}" not in out
    assert FREE_TEXT not in out and "Ada Brook" not in out


def test_a_falling_draft_is_listed_by_its_id() -> None:
    case = draft(answers=ROUTINE_ANSWERS, tier="URGENT")
    status, out, _err = replay()
    assert status == 1
    assert f"  draft #{case.pk}: URGENT -> ROUTINE" in out


def test_exit_0_when_no_tier_goes_down() -> None:
    would_rise()
    stays()
    status, out, _err = replay()
    assert status == 0
    assert "Cases whose tier would go DOWN (0):" in out


def test_exit_0_on_an_empty_table() -> None:
    assert replay()[0] == 0


def test_since_takes_cases_sent_on_or_after_the_day_and_drafts_created_then() -> None:
    day = dt.date(2026, 11, 10)
    at = dt.datetime.combine(day, dt.time(0, 5), tzinfo=timezone.get_current_timezone())
    old_fall = would_fall(submitted_at=at - dt.timedelta(days=1))
    new_rise = would_rise(submitted_at=at)
    new_draft, old_draft = draft(answers=URGENT_ANSWERS), draft(answers=URGENT_ANSWERS)
    Submission.objects.filter(pk=new_draft.pk).update(created_at=at)
    Submission.objects.filter(pk=old_draft.pk).update(created_at=at - dt.timedelta(days=1))

    report = ruleset_release.ruleset_replay(since=day)
    ids = set()
    ruleset_release.ruleset_replay(since=day, on_case=lambda case: ids.add(case.id))
    assert ids == {new_rise.pk, new_draft.pk}
    assert report.downs == []
    status, _out, _err = replay("--since", "2026-11-10")
    assert status == 0  # the old fall is outside the window
    assert replay()[0] == 1
    assert old_fall.pk not in ids


def test_status_filter_is_repeatable_and_comma_separated(cases: dict[str, Submission]) -> None:
    triaged = would_fall(status=Submission.Status.TRIAGED)
    seen: set[int] = set()
    ruleset_release.ruleset_replay(statuses=["triaged", "draft"], on_case=lambda c: seen.add(c.id))
    assert seen == {triaged.pk, cases["draft"].pk}
    status, out, _err = replay("--status", "triaged,draft")
    assert status == 1 and "2 case(s)" in out
    status, out, _err = replay("--status", "draft", "--status", "in_review")
    assert status == 0 and "1 case(s)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "2026-02-30"), "--since: '2026-02-30' is not a date in the form YYYY-MM-DD."),
        (("--since", "yesterday"), "is not a date"),
        (("--status", "submitted,sent"), "--status: unknown status 'sent'; use one of: draft,"),
        (("--csv", "/nonexistent-dir/replay.csv"), "Cannot write the CSV file"),
        (("--batch-size", "0"), "--batch-size must be at least 1."),
    ],
)
def test_bad_arguments_exit_2_with_a_message_on_stderr(
    cases: dict[str, Submission], args: tuple[str, ...], message: str
) -> None:
    status, out, err = replay(*args)
    assert status == 2
    assert out == ""
    assert message in err


def test_csv_has_one_row_per_case_with_ids_tiers_and_rule_codes_only(
    cases: dict[str, Submission], tmp_path: Path
) -> None:
    path = tmp_path / "replay.csv"
    status, out, _err = replay("--csv", str(path))
    assert status == 1
    assert f"One row per case written to {path}." in out
    text = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [
        "id",
        "reference",
        "status",
        "stored_ruleset",
        "old_tier",
        "new_tier",
        "direction",
        "rules_added",
        "rules_removed",
    ]
    by_id = {int(row["id"]): row for row in rows}
    assert set(by_id) == {cases[k].pk for k in ("fall", "rise", "same", "draft")}
    fall = by_id[cases["fall"].pk]
    assert fall == {
        "id": str(cases["fall"].pk),
        "reference": cases["fall"].reference,
        "status": "submitted",
        "stored_ruleset": OLD_RULESET,
        "old_tier": "URGENT",
        "new_tier": "ROUTINE",
        "direction": "down",
        "rules_added": "RTN_DEFAULT",
        "rules_removed": "URG_DVT",
    }
    assert by_id[cases["draft"].pk]["reference"] == ""
    assert by_id[cases["draft"].pk]["direction"] == "up"
    assert by_id[cases["same"].pk]["direction"] == "same"
    # Patient data never leaves in the file: no names, free text or answer values.
    for forbidden in ("Ada Brook", FREE_TEXT, "calf", "ankle_or_calf", "@example.org"):
        assert forbidden not in text


def test_small_batches_give_the_same_result_with_queries_per_batch_not_per_row(
    cases: dict[str, Submission],
) -> None:
    would_fall()  # five cases in all
    with CaptureQueriesContext(connection) as one_batch:
        whole = ruleset_release.ruleset_replay(batch_size=100)
    with CaptureQueriesContext(connection) as small:
        batched = ruleset_release.ruleset_replay(batch_size=2)
    assert (batched.cases, batched.batches, whole.batches) == (5, 3, 1)
    assert batched.transitions == whole.transitions
    assert batched.rules_added == whole.rules_added
    assert [c.id for c in batched.downs] == [c.id for c in whole.downs]
    assert len(one_batch.captured_queries) == 1
    # Six rows in batches of 2, 2, 2, then an empty read: the draft without answers is read too
    # and left out in Python, since SQL cannot see into the encrypted answers (issue 18).
    assert len(small.captured_queries) == 4
    status, out, _err = replay("--batch-size", "2")
    assert status == 1 and "5 case(s) re-evaluated in 3 batch(es)" in out


def test_replay_writes_nothing(cases: dict[str, Submission]) -> None:
    before = list(Submission.objects.order_by("pk").values())
    with CaptureQueriesContext(connection) as queries:
        replay()
    writes = ("INSERT", "UPDATE", "DELETE")
    assert queries.captured_queries
    assert not [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(writes)]
    assert list(Submission.objects.order_by("pk").values()) == before
    assert not AuditEvent.objects.exists()
    assert not RulesetChange.objects.exists()

"""The admin home page says when the retention job last ran and what it removed, and warns when
it has not run for more than two days or a run failed part-way (issue 18). Clinic admins
only: the staff who may read the audit log."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from intake.models import RetentionRun
from intake.services import retention
from tests.factories import logged_in
from tests.intake.services.test_retention import case

pytestmark = pytest.mark.django_db

COUNTS = {
    "submissions": 3,
    "appointments": 2,
    "patients": 1,
    "notes": 4,
    "notifications": 9,
    "escalations": 0,
    "ruleset_changes": 0,
    "messages": 40,
    "sessions": 120,
    "audit_events": 0,
}


def home(user: User) -> str:
    html = logged_in(user).get("/admin/").content.decode()
    return " ".join(html.split())


def retention_line(html: str) -> str:
    found = re.search(r"<p [^>]*data-retention-last-run>(.*?)</p>", html)
    assert found is not None, "no retention line on the admin home page"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def finished(hours_ago: float, counts: dict[str, int] = COUNTS) -> RetentionRun:
    at = timezone.now() - dt.timedelta(hours=hours_ago)
    return RetentionRun.objects.create(
        started_at=at - dt.timedelta(seconds=5), finished_at=at, counts=counts
    )


def test_a_clinic_admin_sees_when_it_last_ran_and_what_it_removed(clinic_admin: User) -> None:
    run = finished(hours_ago=5)
    when = timezone.localtime(run.finished_at).strftime("%-d %b %Y, %H:%M")
    assert retention_line(home(clinic_admin)) == (
        f"Retention last ran {when}: removed 3 forms, 2 appointments and 1 patient; blanked "
        "the recipients of 40 delivered messages; cleared 120 expired sessions; removed 0 "
        "audit events."
    )


def test_a_real_run_is_what_the_page_shows(clinic_admin: User) -> None:
    case(9)
    retention.retention_apply()
    line = retention_line(home(clinic_admin))
    assert "removed 1 form, 0 appointments and 1 patient" in line
    assert "Needs attention" not in line


def test_no_run_for_more_than_two_days_needs_attention(clinic_admin: User) -> None:
    finished(hours_ago=49)
    line = retention_line(home(clinic_admin))
    assert line.startswith("Needs attention: Retention last ran")
    assert "That is more than 2 days ago: check that beat and a worker are running" in line


def test_a_job_that_never_ran_needs_attention(clinic_admin: User) -> None:
    line = retention_line(home(clinic_admin))
    assert line.startswith("Needs attention: Retention has not run yet.")


def test_a_run_that_did_not_finish_is_reported_once_it_is_an_hour_old(
    clinic_admin: User,
) -> None:
    finished(hours_ago=20)
    running = RetentionRun.objects.create(started_at=timezone.now() - dt.timedelta(minutes=5))
    assert "did not finish" not in home(clinic_admin)  # still running, perhaps
    RetentionRun.objects.filter(pk=running.pk).update(
        started_at=timezone.now() - dt.timedelta(hours=2)
    )
    html = home(clinic_admin)
    assert "did not finish. Check the worker's log" in html
    # The last finished run is still shown, and is recent enough.
    assert not retention_line(html).startswith("Needs attention")


def test_staff_who_cannot_read_the_audit_log_do_not_get_the_line(
    receptionist: User, triage_nurse: User
) -> None:
    finished(hours_ago=5)
    for user in (receptionist, triage_nurse):
        html = home(user)
        assert "data-retention-last-run" not in html
        assert "Retention" not in html

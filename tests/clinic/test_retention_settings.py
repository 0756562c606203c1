"""The retention settings (issue 18): whole numbers of days, 1 or more, read strictly; the audit
log kept at least as long as the records it is about, and never less than the year the
database function refuses to touch."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from clinic.env import env_days
from tests.clinic.test_settings import start_django

PROBE_OK = {"DJANGO_DEBUG": "1"}


@pytest.mark.parametrize(
    ("raw", "days"), [(None, 2922), ("", 2922), ("30", 30), (" 90\n", 90), ("1", 1)]
)
def test_a_number_of_days_is_read_or_defaults(raw: str | None, days: int) -> None:
    environ = {} if raw is None else {"CLINIC_RETENTION_DAYS": raw}
    assert env_days("CLINIC_RETENTION_DAYS", default=2922, environ=environ) == days


@pytest.mark.parametrize("raw", ["0", "-30", "8y", "1.5", "eight years", "2,922"])
def test_anything_but_a_positive_whole_number_stops_start_up_naming_the_variable(
    raw: str,
) -> None:
    # Read as 0, a retention period would delete records the day they are made.
    with pytest.raises(ImproperlyConfigured, match=r"CLINIC_RETENTION_DAYS must be a whole"):
        env_days("CLINIC_RETENTION_DAYS", default=2922, environ={"CLINIC_RETENTION_DAYS": raw})


def test_the_defaults_start() -> None:
    result = start_django(**PROBE_OK)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "env",
    [
        {"CLINIC_AUDIT_RETENTION_DAYS": "1000"},  # shorter than the records' 2922
        {"CLINIC_RETENTION_DAYS": "3653"},  # records now outlive the audit's default
        {"CLINIC_RETENTION_DAYS": "30", "CLINIC_AUDIT_RETENTION_DAYS": "100"},  # under a year
    ],
)
def test_the_audit_log_is_never_kept_shorter_than_the_records_or_a_year(
    env: dict[str, str],
) -> None:
    result = start_django(**PROBE_OK, **env)
    assert result.returncode != 0
    assert "CLINIC_AUDIT_RETENTION_DAYS" in result.stderr
    assert "must be at least" in result.stderr


def test_a_zero_retention_period_stops_start_up() -> None:
    result = start_django(**PROBE_OK, CLINIC_MESSAGE_RETENTION_DAYS="0")
    assert result.returncode != 0
    assert "CLINIC_MESSAGE_RETENTION_DAYS must be a whole number of days" in result.stderr

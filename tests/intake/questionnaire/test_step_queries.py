"""Each questionnaire step costs at most 5 SQL queries, whatever the table sizes.

The bound holds in both of plainsql's modes (make pytest-orm runs this with
CLINIC_PLAINSQL=false): both make 1 query per step GET and 2 per step POST. On PostgreSQL the
ORM mode adds Django's own `SELECT 1` health check on a kept connection, sent outside the
captured queries; plain SQL lets its first query be the check (tests/intake/test_plainsql_*).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from intake import steps
from intake.services import drafts
from tests.intake.conftest import CONSENT, fill_until, start, step_url
from tests.journey import identity_for, step_post_data, vignette_answers

# Real transactions (no test-wrapping savepoints), so the count is what production runs.
pytestmark = pytest.mark.django_db(transaction=True)

MAX_QUERIES_PER_STEP = 5
# Transaction control is not a query that reads or writes data (SQLite logs BEGIN/COMMIT,
# PostgreSQL does not), so it is left out of the count.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def data_queries(context: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in context.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)
    ]


@pytest.mark.parametrize("table_rows", [0, 200])
def test_a_step_get_and_post_use_at_most_five_queries(patient: Client, table_rows: int) -> None:
    for _ in range(table_rows):  # other patients' drafts must not change the cost
        drafts.submission_create_draft()
    answers = vignette_answers("V07")
    submission = start(patient)
    fill_until(patient, submission, answers, stop_before="how_it_started")
    url = step_url(submission, "how_it_started")
    with CaptureQueriesContext(connection) as get_queries:
        assert patient.get(url).status_code == 200
    with CaptureQueriesContext(connection) as post_queries:
        response = patient.post(url, step_post_data("how_it_started", answers))
    assert response.status_code == 302
    assert len(data_queries(get_queries)) <= MAX_QUERIES_PER_STEP, data_queries(get_queries)
    assert len(data_queries(post_queries)) <= MAX_QUERIES_PER_STEP, data_queries(post_queries)


def test_no_patient_page_loads_a_field_its_query_left_out(
    patient: Client, other_patient: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The patient's pages load a submission with PATIENT_PAGE_FIELDS only. A page
    (or a service it calls) that reads another field would cost a query of its own per field,
    silently: every kind of patient page is walked here and any such load fails the test."""
    from intake.models import Submission

    loads: list[list[str]] = []
    real_refresh = Submission.refresh_from_db

    def refresh(
        self: Submission, using: str | None = None, fields: Iterable[str] | None = None, **kw: Any
    ) -> None:
        if fields is not None:  # Django loading deferred fields one by one
            fields = list(fields)
            loads.append(fields)
        real_refresh(self, using=using, fields=fields, **kw)

    monkeypatch.setattr(Submission, "refresh_from_db", refresh)
    answers = vignette_answers("V02")  # an emergency: the interruption page and its banner too
    submission = start(patient)
    for page in steps.PAGES:
        url = step_url(submission, page.key)
        response = patient.get(url)
        if response.status_code == 302:
            continue  # a page this patient does not see
        assert response.status_code == 200
        response = patient.post(url, step_post_data(page.key, answers))
        assert response.status_code == 302, page.key
        if response["Location"].endswith("/urgent/"):
            assert patient.get(response["Location"]).status_code == 200
    # Save for later, and resume in another browser with the date of birth.
    about_you = step_url(submission, "about_you")
    data = {**step_post_data("about_you", answers), "action": "save_for_later"}
    assert patient.post(about_you, data).status_code == 302
    assert patient.get(f"/intake/{submission.token}/saved/").status_code == 200
    # Saved for later with a value that is not valid: kept as typed, shown again as typed.
    assert patient.post(about_you, {**data, "height_cm": "1700"}).status_code == 302
    assert 'value="1700"' in patient.get(about_you).content.decode()
    resume = f"/resume/{submission.token}/"
    assert other_patient.get(resume).status_code == 200
    dob = identity_for(answers)["date_of_birth"]
    assert other_patient.post(resume, {"date_of_birth": dob}).status_code == 302
    check = f"/intake/{submission.token}/check/"
    assert patient.get(check).status_code == 200
    assert patient.post(check, CONSENT).status_code == 302
    assert patient.get(f"/intake/{submission.token}/done/").status_code == 200
    assert loads == []

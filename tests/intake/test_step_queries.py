"""Each questionnaire step costs at most 5 SQL queries, whatever the table sizes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from intake import services
from tests.intake.conftest import fill_until, start, step_url
from tests.journey import step_post_data, vignette_answers

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
        services.submission_create_draft()
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

"""The questionnaire's first query doubles as Django's connection health check, on PostgreSQL.

Django would send `SELECT 1` before the first query of each request to find a connection that
died since the last one (the database restarted); plainsql.fetch lets that first query be the
check instead, and must recover exactly as the check would: a new connection, no error page. With
CLINIC_PLAINSQL=false the ORM's read leaves the check to Django, which must recover the same way.
"""

from __future__ import annotations

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from intake import plainsql
from intake.models import Submission
from tests.support.databases import needs_postgresql

pytestmark = [
    needs_postgresql("a server-side end to the connection is what is tested"),
    pytest.mark.django_db(transaction=True),
]

FIELDS = ("token", "status", "answers")


def _new_request() -> None:
    # What Django does as each request starts: a kept connection is due a health check.
    connection.close_if_unusable_or_obsolete()
    assert not connection.health_check_done  # type: ignore[attr-defined]  # not in django-stubs


def _kill_our_connection() -> None:
    pid = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


def test_a_healthy_kept_connection_is_checked_by_the_query_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    draft = Submission.objects.create(token="kept-connection", answers={"rf_fever": "no"})
    assert connection.health_check_enabled  # type: ignore[attr-defined]  # not in django-stubs
    _new_request()
    checks: list[bool] = []
    real_is_usable = connection.is_usable

    def counted_is_usable() -> bool:
        checks.append(True)
        return real_is_usable()

    monkeypatch.setattr(connection, "is_usable", counted_is_usable)
    with CaptureQueriesContext(connection) as queries:
        found = plainsql.fetch(Submission, fields=FIELDS, token=draft.token)
    assert found is not None and found.answers == {"rf_fever": "no"}
    if plainsql.plain_sql_enabled():
        assert checks == []  # no separate SELECT 1 round trip
    else:  # CLINIC_PLAINSQL=false: Django's own check, SELECT 1 outside the captured queries
        assert checks == [True]
    assert len(queries.captured_queries) == 1
    assert connection.health_check_done  # type: ignore[attr-defined]  # not in django-stubs


def test_a_connection_the_database_ended_is_replaced_without_an_error() -> None:
    draft = Submission.objects.create(token="restarted-database", answers={})
    _new_request()
    _kill_our_connection()
    found = plainsql.fetch(Submission, fields=FIELDS, token=draft.token)
    assert found is not None and found.pk == draft.pk
    # The new connection is a working one for the rest of the request.
    assert Submission.objects.filter(pk=draft.pk).exists()

"""A signed-in staff member refused with 403 is logged and audited with the user (issue 17):
in the admin's own pages and in the staff workflows. The page still gives the emergency number
and the request id, and the audit entry never holds the query string (search terms are names)."""

from __future__ import annotations

import logging
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError
from django.test import Client

from intake.models import AuditEvent
from tests.factories import logged_in, staff_user

pytestmark = pytest.mark.django_db

AUDIT_LOGGER = "intake.services.audit"
# Rita the receptionist may not edit availability rules (the admin refuses her).
ADMIN_PAGE = "/admin/scheduling/availabilityrule/"
# Sid, a staff account in no group, may not see the day sheet (a workflow view refuses him).
WORKFLOW_PAGE = "/admin/scheduling/appointment/day-sheet/"


def denials() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_DENIED))


def test_a_refused_admin_page_is_logged_and_audited_with_the_user(
    receptionist: User, caplog: pytest.LogCaptureFixture
) -> None:
    browser = logged_in(receptionist)
    with caplog.at_level(logging.WARNING, logger=AUDIT_LOGGER):
        response = browser.get(ADMIN_PAGE + "?q=Alex+Example", REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 403
    assert 'call <a href="tel:999">999</a>' in response.content.decode()
    [event] = denials()
    assert event.actor == receptionist
    assert event.actor_username == "rita"
    assert event.object_repr == ADMIN_PAGE
    assert event.details == {"path": ADMIN_PAGE}
    assert event.ip_address == "192.0.2.10"
    [line] = [r.getMessage() for r in caplog.records if r.name == AUDIT_LOGGER]
    assert line == f"access denied: user id={receptionist.pk} username=rita path={ADMIN_PAGE}"
    # The search term is a patient's name: neither the log line nor the audit row has it.
    assert "Alex" not in line and "Alex" not in str(event.details) + event.object_repr


def test_a_refused_workflow_view_is_logged_and_audited_with_the_user(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sid = staff_user("sid")
    with caplog.at_level(logging.WARNING, logger=AUDIT_LOGGER):
        response = logged_in(sid).get(WORKFLOW_PAGE)
    assert response.status_code == 403
    [event] = denials()
    assert (event.actor, event.object_repr) == (sid, WORKFLOW_PAGE)
    assert any(f"user id={sid.pk} username=sid" in r.getMessage() for r in caplog.records)


def test_an_allowed_page_and_an_anonymous_visitor_are_not_audited_as_denied(
    triage_nurse: User,
) -> None:
    assert logged_in(triage_nurse).get(WORKFLOW_PAGE).status_code == 200
    # Anonymous visitors are sent to the login page, not refused.
    assert Client().get(ADMIN_PAGE).status_code == 302
    assert denials() == []


def test_the_403_page_is_shown_even_when_the_audit_cannot_be_written(
    receptionist: User, caplog: pytest.LogCaptureFixture
) -> None:
    browser = logged_in(receptionist)
    with (
        mock.patch(
            "intake.services.audit.AuditEvent.objects.create",
            side_effect=OperationalError("database gone"),
        ),
        caplog.at_level(logging.WARNING),
    ):
        response = browser.get(ADMIN_PAGE)
    assert response.status_code == 403
    assert 'call <a href="tel:999">999</a>' in response.content.decode()
    # The log line came first, so the refusal is on record somewhere.
    messages = [r.getMessage() for r in caplog.records]
    assert f"access denied: user id={receptionist.pk} username=rita path={ADMIN_PAGE}" in messages
    assert "a refused request could not be audited" in messages

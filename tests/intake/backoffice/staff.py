"""Helpers for the staff pages' tests: signed-in browsers for the personas, and slots."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.test import Client
from django.utils import timezone

from tests.factories import STAFF_PASSWORD, SlotFactory
from tests.intake.conftest import start

# The triage queue (the submission list in the admin).
QUEUE = "/admin/intake/submission/"


def logged_in(user: Any) -> Client:
    """A browser signed in as `user`."""
    client = Client()
    assert client.login(username=user.username, password=STAFF_PASSWORD)
    return client


def client_for(persona: str, users: dict[str, Any]) -> Client:
    """A browser for a persona: "anonymous", "patient" (a draft in their own session), or a
    key of `users` (signed in)."""
    if persona == "anonymous":
        return Client()
    if persona == "patient":
        client = Client()
        start(client)
        return client
    return logged_in(users[persona])


def slot_in(hours: float, **kwargs: Any) -> Any:
    """A free slot starting `hours` from now (on the minute)."""
    begins = (timezone.now() + dt.timedelta(hours=hours)).replace(second=0, microsecond=0)
    return SlotFactory(start=begins, **kwargs)


def queue_references(client: Client, query: str = "") -> list[str]:
    """The references listed on the triage queue's page, in order."""
    html = client.get(QUEUE + query).content.decode()
    return re.findall(r">(LEG-[A-Z0-9]{4}-[A-Z0-9]{4})<", html)


def waited(hours: float) -> dt.datetime:
    """A moment `hours` ago."""
    return timezone.now() - dt.timedelta(hours=hours)

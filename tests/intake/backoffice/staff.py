"""Helpers for the staff pages' tests: signed-in browsers for the personas, and slots."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from intake.scheduling.models import Slot
from tests.factories import SlotFactory, logged_in
from tests.intake.conftest import start

# logged_in is tests.factories' own, offered here with the other helpers of the staff tests.
__all__ = ["QUEUE", "client_for", "logged_in", "queue_references", "slot_in", "waited"]

# The triage queue (the submission list in the admin).
QUEUE = "/admin/intake/submission/"


def client_for(persona: str, users: dict[str, User]) -> Client:
    """A browser for a persona: "anonymous", "patient" (a draft in their own session), or a
    key of `users` (signed in)."""
    if persona == "anonymous":
        return Client()
    if persona == "patient":
        client = Client()
        start(client)
        return client
    return logged_in(users[persona])


def slot_in(hours: float, **kwargs: object) -> Slot:
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

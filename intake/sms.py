"""Text messages through a pluggable backend, in the manner of Django's email backends.

`CLINIC_SMS_BACKEND` names a class; the clinic plugs in its provider by writing one:

    class MyProviderBackend(intake.sms.BaseSmsBackend):
        def send_messages(self, messages):
            for message in messages:
                my_provider_client.send(to=message.to, text=message.body)  # raise on failure
            return len(messages)

A backend raises on a failure it wants retried (OSError for transient network trouble); the
outbox counts the attempt and tries again with backoff. See docs/operations.md.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class BaseSmsBackend:
    """The interface: send these messages, return how many were sent, raise on failure."""

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Development: print each message to standard output."""

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        for message in messages:
            sys.stdout.write(f"SMS to {message.to}: {message.body}\n")
        sys.stdout.flush()
        return len(messages)


# Messages sent through the locmem backend, for tests (like django.core.mail.outbox).
outbox: list[SmsMessage] = []


class LocmemSmsBackend(BaseSmsBackend):
    """Tests: keep messages in `intake.sms.outbox`."""

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


class FileSmsBackend(BaseSmsBackend):
    """One file per message in `CLINIC_SMS_FILE_PATH`: for tests and checks across processes."""

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        folder = Path(settings.CLINIC_SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        for message in messages:
            (folder / f"{uuid.uuid4().hex}.sms").write_text(f"To: {message.to}\n\n{message.body}\n")
        return len(messages)


def get_backend() -> BaseSmsBackend:
    backend: BaseSmsBackend = import_string(settings.CLINIC_SMS_BACKEND)()
    return backend


def send(*, to: str, body: str) -> None:
    get_backend().send_messages([SmsMessage(to=to, body=body)])

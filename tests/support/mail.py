"""Email backends for tests whose worker runs in another process."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.filebased import EmailBackend
from django.core.mail.message import EmailMessage


class SlowFileBackend(EmailBackend):
    """The file backend, but it first marks that sending started, then takes its time.

    Lets a test kill a worker in the middle of sending: the `sending-<pid>` marker appears,
    nothing is written for TEST_SLOW_MAIL_SECONDS.
    """

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        folder = Path(settings.EMAIL_FILE_PATH)
        (folder / f"sending-{os.getpid()}.marker").write_text("sending\n")
        time.sleep(float(os.environ.get("TEST_SLOW_MAIL_SECONDS", "30")))
        sent: int = super().send_messages(email_messages)
        return sent


class BrokenBackend(EmailBackend):
    """A mail server that drops every connection, as a transient SMTP failure would."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        import smtplib

        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class RefusingBackend(EmailBackend):
    """A mail server that refuses the recipient, quoting the address back (as real ones do)."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        import smtplib

        refused = {
            address: (550, f"5.1.1 <{address}>: mailbox unavailable".encode())
            for message in email_messages
            for address in message.to
        }
        raise smtplib.SMTPRecipientsRefused(refused)

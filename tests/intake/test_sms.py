"""The text-message backends (intake/sms.py). Sending through the outbox:
tests/intake/services/test_outbox.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django import Settings

from intake import sms


def test_the_file_sms_backend_writes_one_file_per_message(
    settings: Settings, tmp_path: Path
) -> None:
    settings.CLINIC_SMS_BACKEND = "intake.sms.FileSmsBackend"
    settings.CLINIC_SMS_FILE_PATH = str(tmp_path)
    sms.send(to="+447700900001", body="Test")
    [path] = tmp_path.glob("*.sms")
    assert path.read_text() == "To: +447700900001\n\nTest\n"


def test_the_console_sms_backend_prints(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.CLINIC_SMS_BACKEND = "intake.sms.ConsoleSmsBackend"
    sms.send(to="+447700900001", body="Hello")
    assert "SMS to +447700900001: Hello" in capsys.readouterr().out

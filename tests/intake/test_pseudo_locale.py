"""Every patient page and patient email, shown in a generated pseudo-translation, has no
patient-facing text left in English (issue 16, "Translatable end to end").

The catalogue is extracted afresh (makemessages, as `make messages` does), every message is
"translated" by wrapping it in ⟦…⟧ (GNU gettext's msgen and msgfilter), compiled (msgfmt), and
served as the language "eo". The pages of a whole journey, the emergency advice, the resume and
adults-only pages, and the patient's emails are then read as a person would: any run of visible
text that is not inside ⟦…⟧ must be data (the patient's own details, a reference, numbers, the
clinic's configured names), never wording the clinic wrote.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from intake import emails, steps
from intake.models import Notification, Submission
from intake.scheduling.models import Appointment
from intake.scheduling.services import booking
from tests.factories import SlotFactory, TriagedSubmissionFactory
from tests.intake.conftest import CONSENT, fill_until, start, step_url
from tests.journey import IDENTITY, identity_for, page_key, step_post_data, vignette_answers

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
PSEUDO = "eo"  # a language Django knows, standing in for a pseudo-translation
# A translated message, innermost first: a message may hold another ("…the most likely area is
# ⟦veins⟧…"), so they are taken out from the inside.
TRANSLATED = re.compile(r"⟦[^⟦⟧]*⟧", re.S)


# msgfilter runs sed on each message: ⟦ before its first line, ⟧ after its last.
WRAP = ("sed", "-e", "1s/^/⟦/", "-e", "$s/$/⟧/")


def _tool(name: str, *args: str) -> None:
    path = shutil.which(name)
    assert path is not None
    subprocess.run([path, *args], check=True, capture_output=True, timeout=60)  # noqa: S603


@pytest.fixture(scope="module")
def pseudo_locale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A compiled catalogue in which every message is itself wrapped in ⟦…⟧."""
    for tool in ("xgettext", "msgen", "msgfilter", "msgfmt"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} (GNU gettext) is not installed: apt-get install gettext")
    tree = tmp_path_factory.mktemp("pseudo")
    for name in ("intake", "clinic", "templates"):
        shutil.copytree(
            ROOT / name, tree / name, ignore=shutil.ignore_patterns("__pycache__", "locale")
        )
    extracted = tree / "locale"
    with pytest.MonkeyPatch.context() as mp, override_settings(LOCALE_PATHS=[str(extracted)]):
        mp.chdir(tree)
        call_command("makemessages", locale=["en_GB"], verbosity=0)
    source = extracted / "en_GB" / "LC_MESSAGES" / "django.po"
    copied, wrapped = tree / "copied.po", tree / "wrapped.po"
    target = tree / "compiled" / PSEUDO / "LC_MESSAGES"
    target.mkdir(parents=True)
    _tool("msgen", "-o", str(copied), str(source))
    _tool("msgfilter", "--keep-header", "-i", str(copied), "-o", str(wrapped), *WRAP)
    _tool("msgfmt", "-o", str(target / "django.mo"), str(wrapped))
    return tree / "compiled"


@pytest.fixture
def in_pseudo(pseudo_locale: Path) -> Iterator[None]:
    languages = [("en-gb", "English"), (PSEUDO, "Pseudo")]
    with override_settings(LOCALE_PATHS=[str(pseudo_locale)], LANGUAGES=languages):
        yield


# The privacy notice's contact for data protection: the clinic's data, like its name.
DPO = {
    "CLINIC_DPO_NAME": "Dana Okafor",
    "CLINIC_DPO_EMAIL": "dpo@clinic.example",
    "CLINIC_DPO_ADDRESS": "Information Governance Office",
}


ACCESSIBLE_NAMES = re.compile(r'\s(?:aria-label|alt|title|placeholder)="([^"]*)"')


def _visible_text(text: str) -> str:
    """What a person reads (and hears: accessible names) of a page or message, as one text; a
    translated message may hold markup (a link inside a sentence), so tags become spaces."""
    text = re.sub(r"<(script|style|template)\b.*?</\1>", " ", text, flags=re.S | re.I)
    names = " | ".join(ACCESSIBLE_NAMES.findall(text))
    text = re.sub(r"<[^>]+>", " ", text)
    return html.unescape(f"{text} | {names}")


def _data_patterns() -> list[str]:
    """What may stand outside ⟦…⟧: the patient's details, the clinic's names and numbers."""
    identity = identity_for(vignette_answers())
    names = [
        *IDENTITY.values(),
        *identity.values(),
        settings.CLINIC_NAME,
        settings.CLINIC_PHONE,
        settings.CLINIC_EMERGENCY_NUMBER,
        settings.CLINIC_URGENT_ADVICE_LINE,
        *str(settings.CLINIC_ADDRESS).split(","),
        *DPO.values(),
    ]
    return [re.escape(str(name).strip()) for name in names if str(name).strip()]


def untranslated(text: str, *, data: list[str]) -> list[str]:
    """The words of `text` (HTML or plain) outside ⟦…⟧ that are not data, with some context."""
    rest = _visible_text(text)
    while TRANSLATED.search(rest):
        rest = TRANSLATED.sub(" | ", rest)
    for pattern in data:
        rest = re.sub(pattern, " ", rest)
    rest = re.sub(r"LEG-[A-Z0-9]{4}-[A-Z0-9]{4}", " ", rest)  # references
    rest = re.sub(r"https?://\S+", " ", rest)  # links
    rest = re.sub(r"\b\d{1,2} [^\W\d_]+ \d{4}\b", " ", rest)  # dates, in Django's own words
    return [
        " ".join(run.split())
        for run in rest.split("|")
        if re.search(r"[^\W\d_]{2,}", run)  # a word of two letters or more is left
    ]


@pytest.fixture
def pseudo_patient(in_pseudo: None) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=PSEUDO)


def test_the_check_itself_finds_english_and_allows_data() -> None:
    data = [re.escape("Alex Example")]
    assert untranslated("<p>⟦Your reference⟧ LEG-AB2C-3DEF</p>", data=data) == []
    assert untranslated("<p>⟦Dear⟧ Alex Example,</p>", data=data) == []
    assert untranslated("<p>Call now</p><b>⟦ok⟧</b>", data=data) == ["Call now"]
    assert untranslated('<a aria-label="Back">⟦←⟧</a>', data=data) == ["Back"]


def test_every_patient_page_is_shown_in_the_patients_language(
    pseudo_patient: Client,
    django_capture_on_commit_callbacks: Callable[..., Any],
    receptionist: User,
) -> None:
    booked = _book(receptionist)
    data = [*_data_patterns(), *_appointment_data(booked)]
    pages: dict[str, str] = {}

    def read(name: str, url: str) -> None:
        response = pseudo_patient.get(url)
        assert response.status_code == 200, (name, response.status_code)
        pages[name] = response.content.decode()

    read("start", "/")
    submission = start(pseudo_patient)
    answers = vignette_answers("V07")
    for page in steps.PAGES:
        submission.refresh_from_db()
        if not page.applies(submission.answers):
            continue
        url = step_url(submission, page.key)
        read(page.key, url)
        if page.code == "better_worse":  # a page with errors: each message and the summary
            pages["better_worse with errors"] = pseudo_patient.post(
                url, {"action": "continue"}
            ).content.decode()
        response = pseudo_patient.post(url, step_post_data(page.key, answers))
        assert response.status_code == 302, page.key
    read("check", f"/intake/{submission.token}/check/")
    with django_capture_on_commit_callbacks(execute=True):
        pseudo_patient.post(f"/intake/{submission.token}/check/", CONSENT)
    read("done", f"/intake/{submission.token}/done/")

    # The emergency advice, on a second form.
    urgent = start(pseudo_patient)
    breathing = page_key("rf_chest_pain")
    fill_until(pseudo_patient, urgent, vignette_answers(), stop_before=breathing)
    pseudo_patient.post(step_url(urgent, breathing), {"rf_chest_pain": "yes"})
    read("urgent", f"/intake/{urgent.token}/urgent/")
    read("a step with the advice", step_url(urgent, breathing))
    # The resume page another device sees, and the page for under-18s.
    other = Client(HTTP_ACCEPT_LANGUAGE=PSEUDO)
    response = other.get(f"/resume/{urgent.token}/")
    pages["resume"] = response.content.decode()
    child = start(pseudo_patient)
    pseudo_patient.post(
        step_url(child, "about_you"),
        step_post_data(
            "about_you", vignette_answers(), {**IDENTITY, "date_of_birth": "2015-01-01"}
        ),
    )
    read("adults only", f"/intake/{child.token}/adults-only/")
    # "Save and come back later", and the cancel link of an appointment email.
    later = start(pseudo_patient)
    fill_until(pseudo_patient, later, vignette_answers(), stop_before="red_flags")
    with django_capture_on_commit_callbacks(execute=True):
        pseudo_patient.post(step_url(later, "red_flags"), {"action": "save_for_later"})
    read("saved", f"/intake/{later.token}/saved/")
    read("cancel an appointment", f"/appointment/cancel/{emails.cancel_token(booked.pk)}/")
    # The privacy notice (issue 18), with every one of the clinic's contact details set.
    with override_settings(**DPO):
        read("privacy notice", "/privacy/")

    found = {name: untranslated(html, data=data) for name, html in pages.items()}
    assert {name: runs for name, runs in found.items() if runs} == {}


def test_the_error_pages_are_shown_in_the_patients_language(in_pseudo: None) -> None:
    # Their own layout (templates/errors/base.html), rendered without the context processors.
    browser = Client(HTTP_ACCEPT_LANGUAGE=PSEUDO, raise_request_exception=False)
    strict = Client(HTTP_ACCEPT_LANGUAGE=PSEUDO, enforce_csrf_checks=True)
    pages = {
        ("400", 400): browser.get("/", HTTP_HOST="evil.example"),
        ("404", 404): browser.get("/no-such-page/"),
        ("csrf", 403): strict.post("/start/"),
    }
    # The start page made to refuse, then to fail.
    for name, status, error in (("403", 403, PermissionDenied), ("500", 500, RuntimeError)):
        with mock.patch("intake.questionnaire.views.render", side_effect=error):
            pages[name, status] = browser.get("/")
    found = {}
    for (name, status), response in pages.items():
        assert response.status_code == status, name
        assert "⟦" in response.content.decode(), name  # the pseudo-translation is in use
        # The request id first: a data pattern (a phone number's digits) could match inside it.
        data = [re.escape(response["X-Request-ID"]), *_data_patterns()]
        found[name] = untranslated(response.content.decode(), data=data)
    assert {name: runs for name, runs in found.items() if runs} == {}


def test_every_patient_email_is_written_in_the_patients_language(
    pseudo_patient: Client, journey: Callable[..., Submission], receptionist: User
) -> None:
    sent = journey("V07", send=True)
    appointment = _book(receptionist)
    data = [*_data_patterns(), *_appointment_data(appointment)]
    leftovers = {}
    for kind in sorted(emails.PATIENT_KINDS):
        about = appointment.submission if kind.startswith("appt") else sent
        about.language = PSEUDO
        about.save(update_fields=["language"])
        row = Notification(
            submission=about,
            appointment=appointment if kind.startswith("appt") else None,
            kind=kind,
            recipient="alex@example.org",
            template=TEMPLATES[kind],
        )
        rendered = emails.render(row)
        if rendered.html:
            assert f'<html lang="{PSEUDO}">' in rendered.html, kind
        for part in (rendered.subject, rendered.text, rendered.html or ""):
            runs = untranslated(part, data=data)
            if runs:
                leftovers[f"{kind}: {part[:40]!r}"] = runs

    assert leftovers == {}


TEMPLATES = {
    Notification.Kind.PATIENT_RECEIPT: "patient_receipt",
    Notification.Kind.RESUME_LINK: "resume_link",
    Notification.Kind.APPOINTMENT_CONFIRMATION: "appointment_confirmation",
    Notification.Kind.APPOINTMENT_REMINDER: "appointment_reminder",
    Notification.Kind.APPOINTMENT_MOVED: "appointment_moved",
    Notification.Kind.APPOINTMENT_CANCELLED: "appointment_cancelled",
}


def _book(receptionist: User) -> Appointment:
    start_at = (timezone.localtime() + dt.timedelta(days=4)).replace(hour=9, minute=0)
    return booking.appointment_book(
        submission=TriagedSubmissionFactory(tier="SOON"),
        slot=SlotFactory(start=start_at),
        actor=receptionist,
    )


def _appointment_data(appointment: Appointment) -> list[str]:
    """The appointment's own details: the clinician's and the type's names, where it is."""
    kind = appointment.slot.appointment_type
    names = [appointment.clinician.name, kind.name, kind.location, appointment.submission.patient]
    return [re.escape(str(name)) for name in names if name]

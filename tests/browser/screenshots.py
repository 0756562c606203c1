"""Screenshots of every patient page at phone and desktop width, into docs/screenshots/,
and of the staff pages (the triage queue, a submission, the booking page, the day view, the
case page for triage and for reception, reception's list "To book").

    make screenshots        (or: .venv/bin/python -m tests.browser.screenshots)

Needs only Debian's Chromium. The app runs inside this process (Django's live-server thread) on
a throwaway SQLite database in a temporary directory, with in-process tasks and in-memory email:
no PostgreSQL, Redis or worker, and nothing left behind but the PNGs. A `.env` file is ignored,
so the pictures are the same on every machine.

Each page is filled in the way a patient would fill it (answers from tests/journey.py) and shot
as it looks just before pressing Continue; "-errors" shots are after pressing Continue on an
empty page. Files are named `<page>[-<state>]-<phone|desktop>.png`; `-phone` is 390 CSS px wide,
`-desktop` 1280. Not collected by pytest (only test_*.py files are).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FloatRect, ViewportSize

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "docs" / "screenshots"
SIZES: dict[str, ViewportSize] = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 900},
}


def configure(database: Path) -> None:
    """Django settings for a private, throwaway app: set before Django is imported."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "clinic.settings_test",
            "DJANGO_READ_DOT_ENV": "false",
            "DJANGO_DEBUG": "false",
            "DJANGO_ALLOWED_HOSTS": "localhost",
            "DATABASE_URL": f"sqlite:///{database}",
            "CACHE_URL": "locmemcache://",
            "CELERY_BROKER_URL": "",  # tasks run in-process
            # The staff pages look up demo rows while Playwright's event loop runs in this
            # thread: plain synchronous ORM calls, safe (as in tests/browser/conftest.py).
            "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
        }
    )


def main() -> int:
    sys.path.insert(0, str(ROOT))
    chromium = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    if not chromium.exists():
        print(f"Chromium not found at {chromium}: apt-get install chromium", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="clinic-screenshots-") as tmp:
        configure(Path(tmp) / "db.sqlite3")

        import django

        django.setup()
        logging.disable(logging.WARNING)  # e.g. "Not Found: /favicon.ico"; errors still show
        from django.contrib.staticfiles.handlers import StaticFilesHandler
        from django.core.management import call_command
        from django.test.testcases import LiveServerThread

        call_command("migrate", interactive=False, verbosity=0)
        # The demo queue for the staff pages (seed_demo refuses to run in production).
        from django.test.utils import override_settings

        with override_settings(DEBUG=True):
            call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        server = LiveServerThread("localhost", StaticFilesHandler)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        try:
            shoot_every_page(f"http://localhost:{server.port}")
        finally:
            server.terminate()
    return 0


def shoot_every_page(base_url: str) -> None:
    from playwright.sync_api import Page, sync_playwright

    # Imported here, once Django is set up: they load the question catalogue and steps.
    from tests.browser.patient import (
        CONTEXT_OPTIONS,
        DESKTOP,
        answer_step,
        fill_date,
        fill_in,
        launch,
        press,
        start_form,
        step_of,
    )
    from tests.journey import CONSENT, identity_for, step_post_data, vignette_answers

    OUTPUT.mkdir(parents=True, exist_ok=True)
    for old in OUTPUT.glob("*-phone.png"):
        old.unlink()
    for old in OUTPUT.glob("*-desktop.png"):
        old.unlink()
    written: list[Path] = []

    def shoot(page: Page, name: str, *, part: str | None = None, whole: bool = True) -> None:
        """The page at each width (the same page, so the same state).

        `whole`: the full length of the page, else the first screenful. `part`: from that
        element down to the end of the page (the check page's 90 answers would make a 1 MB
        picture of rows that all look alike).
        """
        for size_name, size in SIZES.items():
            page.set_viewport_size(size)
            path = OUTPUT / f"{name}-{size_name}.png"
            clip: FloatRect | None = None
            if part is not None:
                page.evaluate("window.scrollTo(0, 0)")
                box = page.locator(part).first.bounding_box()
                assert box is not None, part
                top = max(box["y"] - 16, 0)
                height = page.evaluate("document.documentElement.scrollHeight") - top
                clip = {"x": 0, "y": top, "width": size["width"], "height": height}
            page.screenshot(
                path=path, full_page=whole, clip=clip, animations="disabled", caret="hide"
            )
            written.append(path)
        page.set_viewport_size(DESKTOP)

    def new_page(browser: Browser) -> Page:
        return browser.new_context(**CONTEXT_OPTIONS).new_page()

    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = launch(playwright)

        # Alex (V07): a routine journey, every page, with the errors of the first page.
        answers = vignette_answers("V07")
        page = new_page(browser)
        page.goto(f"{base_url}/")
        shoot(page, "start")
        start_form(page, base_url)
        press(page, "Continue")
        shoot(page, "about_you-errors")
        while step_of(page) != "check":
            step = step_of(page)
            fill_in(page, step_post_data(step, answers))
            if step == "where_it_hurts":  # a few more places, to show the map's selection
                for code in ("knee", "foot"):
                    page.locator(f'input[name="pain_regions"][value="{code}"]').check()
            page.mouse.move(0, 0)  # no hover effect or focus ring from the last click
            page.evaluate("document.activeElement && document.activeElement.blur()")
            shoot(page, step.replace("/", "-"))  # red_flags/breathing: red_flags-breathing
            press(page, "Continue")
        send = "h2:has-text('Now send your answers')"
        shoot(page, "check", whole=False)
        shoot(page, "check-send", part=send)
        press(page, "Send your answers")
        shoot(page, "check-errors", whole=False)
        shoot(page, "check-errors-send", part=send)
        fill_in(page, CONSENT)
        press(page, "Send your answers")
        shoot(page, "done", whole=False)

        # Saving for later, and the page that opens the emailed link on another device.
        page = new_page(browser)
        token = start_form(page, base_url)
        answer_step(page, answers, action="Save and come back later")
        shoot(page, "saved")
        resume_url = f"{base_url}/resume/{token}/"
        page = new_page(browser)
        page.goto(resume_url)
        shoot(page, "resume")
        fill_date(page, "1970-06-15")
        press(page, "Continue")
        shoot(page, "resume-errors")
        fill_date(page, identity_for(answers)["date_of_birth"])
        press(page, "Continue")

        # An emergency answer: the interruption, then its advice on every later page.
        emergency = {**answers, "rf_chest_pain": "yes"}
        page = new_page(browser)
        start_form(page, base_url)
        while step_of(page) != "urgent":  # the chest pain is on the safety check's 2nd page
            answer_step(page, emergency)
        shoot(page, "urgent")
        press(page, "Carry on with the form")
        shoot(page, "red_flags-back-emergency")
        while step_of(page) != "check":
            answer_step(page, emergency)
        fill_in(page, CONSENT)
        press(page, "Send your answers")
        shoot(page, "done-emergency", whole=False)

        shoot_staff_pages(browser, base_url, written)
        browser.close()

    seconds = time.monotonic() - started
    print(f"{len(written)} screenshots in {OUTPUT.relative_to(ROOT)}/ ({seconds:.0f} s):")
    for path in written:
        print(f"  {path.name:40} {path.stat().st_size // 1024:5d} KB")


def shoot_staff_pages(browser: Browser, base_url: str, written: list[Path]) -> None:
    """The triage queue and a submission page, as the demo's triage clinician sees them."""
    from intake.management.commands.seed_demo import DEMO_PASSWORD
    from tests.browser.staff import sign_in

    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    sign_in(page, base_url, "triage", DEMO_PASSWORD)
    page.goto(f"{base_url}/admin/intake/submission/")
    path = OUTPUT / "admin-queue-desktop.png"
    page.screenshot(path=path, animations="disabled")
    written.append(path)
    page.click("#result_list tbody tr:first-child th a")
    path = OUTPUT / "admin-submission-desktop.png"
    # The summary, identity and the start of the answers: the rest are rows like these.
    clip: FloatRect = {"x": 0, "y": 0, "width": 1400, "height": 2600}
    page.screenshot(path=path, animations="disabled", full_page=True, clip=clip)
    written.append(path)
    # The patient who left after the emergency advice: the row, then the page to follow it up.
    page.goto(f"{base_url}/admin/intake/submission/?queue=draft")
    path = OUTPUT / "admin-queue-mid-form-emergency-desktop.png"
    page.screenshot(path=path, animations="disabled")
    written.append(path)
    with page.expect_navigation():
        page.click("#result_list tbody tr:first-child th a")
    path = OUTPUT / "admin-mid-form-emergency-desktop.png"
    page.screenshot(path=path, animations="disabled")
    written.append(path)
    shoot_scheduling_pages(browser, base_url, written)
    shoot_home_pages(browser, base_url, written)
    shoot_case_pages(browser, base_url, written)


def shoot_scheduling_pages(browser: Browser, base_url: str, written: list[Path]) -> None:
    """The booking page and the day view, as the demo's receptionist sees them."""
    from django.utils import timezone

    from intake.management.commands.seed_demo import DEMO_PASSWORD
    from intake.models import Submission
    from intake.scheduling.models import Appointment
    from tests.browser.staff import sign_in

    # A triaged form the demo left unbooked (the most urgent), and the first day with bookings.
    to_book = (
        Submission.objects.filter(status=Submission.Status.TRIAGED)
        .exclude(tier="EMERGENCY")
        .order_by("-tier_rank", "submitted_at")
        .first()
    )
    first = Appointment.objects.order_by("starts_at").first()
    assert to_book is not None and first is not None, "seed_demo made no diary"
    page = browser.new_context(viewport=SIZES["desktop"]).new_page()
    sign_in(page, base_url, "reception", DEMO_PASSWORD)
    pages = {
        "admin-booking": f"/admin/scheduling/appointment/book/{to_book.pk}/",
        "admin-day-view": (
            f"/admin/scheduling/appointment/?day={timezone.localdate(first.starts_at)}"
        ),
    }
    for name, url in pages.items():
        page.goto(base_url + url)
        for size_name, size in SIZES.items():
            page.set_viewport_size(size)
            path = OUTPUT / f"{name}-{size_name}.png"
            # The booking list runs on for weeks of slots: the first two screenfuls show it.
            clip: FloatRect = {"x": 0, "y": 0, "width": size["width"], "height": size["height"] * 2}
            page.screenshot(path=path, animations="disabled", full_page=True, clip=clip)
            written.append(path)


def shoot_home_pages(browser: Browser, base_url: str, written: list[Path]) -> None:
    """The home page (issue 20): the clinic admin's, with the counts and the charts, and the
    receptionist's, with what is to book only. At 1366 px, the width of a clinic's laptop."""
    from intake.management.commands.seed_demo import DEMO_PASSWORD
    from tests.browser.staff import sign_in

    for username, name in (("admin", "admin-home"), ("reception", "admin-home-reception")):
        page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        sign_in(page, base_url, username, DEMO_PASSWORD)
        page.goto(f"{base_url}/admin/")
        # Every chart drawn before the picture is taken.
        page.wait_for_function(
            "() => [...document.querySelectorAll('img.home-chart')]"
            ".every((img) => img.complete && img.naturalWidth > 0)"
        )
        path = OUTPUT / f"{name}-desktop.png"
        # The counts and the charts; the admin's list of pages below them is not the point.
        bottom = page.evaluate(
            "(() => { const last = document.querySelector('.home-figures')"
            " || document.querySelector('.staff-home');"
            " return last.getBoundingClientRect().bottom + window.scrollY + 16; })()"
        )
        clip: FloatRect = {"x": 0, "y": 0, "width": 1366, "height": bottom}
        page.screenshot(path=path, animations="disabled", full_page=True, clip=clip)
        written.append(path)
        page.context.close()


def shoot_case_pages(browser: Browser, base_url: str, written: list[Path]) -> None:
    """Issue 20: the case page built for the phone call, for a triage clinician (a case not yet
    reviewed: the number to ring, the actions, triage with the suggested appointment type) and
    for reception (a triaged case: the number to ring, triage's guidance, the Book button);
    reception's own list, "To book", where reception lands after signing in. At 1366 CSS px,
    the laptops reception and triage use; the top of each page, where the work is."""
    from intake.management.commands.seed_demo import DEMO_PASSWORD
    from intake.models import Submission
    from tests.browser.staff import sign_in

    waiting = (
        Submission.objects.filter(status=Submission.Status.SUBMITTED)
        .order_by("-tier_rank", "awaiting_since")
        .exclude(tier="EMERGENCY")
        .first()
    )
    triaged = (
        Submission.objects.filter(status=Submission.Status.TRIAGED, booking_request__isnull=False)
        .exclude(tier="EMERGENCY")
        .order_by("-tier_rank", "submitted_at")
        .first()
    )
    assert waiting is not None and triaged is not None, "seed_demo made no such cases"
    laptop: ViewportSize = {"width": 1366, "height": 900}
    clip: FloatRect = {"x": 0, "y": 0, "width": 1366, "height": 1300}
    for who, name, case in (
        ("triage", "admin-case-triage", waiting),
        ("reception", "admin-case-reception", triaged),
    ):
        page = browser.new_context(viewport=laptop).new_page()
        sign_in(page, base_url, who, DEMO_PASSWORD)
        if who == "reception":  # where reception lands
            path = OUTPUT / "admin-to-book-desktop.png"
            page.screenshot(path=path, animations="disabled")
            written.append(path)
        page.goto(f"{base_url}/admin/intake/submission/{case.pk}/change/")
        path = OUTPUT / f"{name}-desktop.png"
        page.screenshot(path=path, animations="disabled", full_page=True, clip=clip)
        written.append(path)
        page.context.close()


if __name__ == "__main__":
    sys.exit(main())

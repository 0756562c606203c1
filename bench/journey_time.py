"""How long the form takes a patient: timed complete journeys in Chromium (issue 19).

    .venv/bin/python bench/journey_time.py [--wait] [--wpm 200] [--vignettes V07,V48,defaults]

The start page's "about N minutes" comes from here (bench/README.md has the figure and the date).
Each journey is one of the browser tests' vignettes (tests/browser: V07, V48, and the vignettes'
unremarkable defaults), filled in page by page in Debian's Chromium the way the browser tests fill
it in (tests/browser/patient.py), from the start page to the confirmation page, against the app
running in this process on a throwaway SQLite database (as `make screenshots` does). A journey's
time is the machine's time (every page load and answer, as measured) plus a patient's time, worked
out page by page from what the page shows once answered:

- reading: every word in sight on the page (heading, intro, each shown question's wording, hint and
  options; on the start page its text; on the check page the consent questions) at `--wpm` words a
  minute (200 by default: adults read plain non-fiction at about 240 on a screen, Brysbaert 2019;
  a patient who is unwell or reads on a phone, slower);
- answering: 3 s a question answered (finding and choosing the option, a tap), 1 s more for each
  further box ticked on a tick-all-that-apply question;
- typing: 2 characters a second (about 24 words a minute, thumbs on a phone), for every character
  typed (name, date of birth, email, phone, numbers, free text);
- moving on: 2 s a page (scrolling to Continue, pressing it);
- the check page: 0.5 s a row of answers (a glance down the list before sending).

With `--wait` the patient's time is spent for real (the browser waits, and text is typed key by key
at that speed), so a journey takes as long as it says: slow (a quarter of an hour each), but the
same figures, which is the check on the model. The median of the journeys, rounded up to a whole
5 minutes, is what the start page promises (intake/questionnaire/views.py, FORM_MINUTES).
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The patient model (see the module docstring).
WORDS_PER_MINUTE = 200
SECONDS_PER_ANSWER = 3.0
SECONDS_PER_EXTRA_TICK = 1.0
CHARACTERS_PER_SECOND = 2.0
SECONDS_PER_PAGE = 2.0
SECONDS_PER_CHECK_ROW = 0.5
# The browser tests' vignettes (tests/browser/*.py): None is the vignettes' defaults.
BROWSER_TEST_VIGNETTES: tuple[str | None, ...] = ("V07", "V48", None)
ROUND_TO_MINUTES = 5

# What a patient reads on a page, worked out in the page: the heading, intro and, for each
# question in sight, its wording, hint and options (the hidden wording of a helper left out).
_READ = """() => {
    const seen = (el) => el && el.checkVisibility();
    const parts = [];
    const text = (el) => { if (seen(el)) { parts.push(el.innerText); } };
    text(document.querySelector("main h1"));
    text(document.querySelector("main .lead"));
    document.querySelectorAll("form [data-question]").forEach((question) => {
        if (!seen(question) || question.closest('[aria-hidden="true"]')) { return; }
        question.querySelectorAll("legend, label, .form-text").forEach(text);
    });
    return parts.join(" ");
}"""
# The start page and the confirmation page: the text of <main>.
_READ_ALL = "() => document.querySelector('main').innerText"


def words(text: str) -> int:
    return len(re.findall(r"\w+", text))


@dataclass
class PageTime:
    """One page of a journey: what a patient reads, answers and types there."""

    name: str
    words: int = 0
    answers: int = 0
    extra_ticks: int = 0
    characters: int = 0
    check_rows: int = 0
    machine_seconds: float = 0.0

    @property
    def patient_seconds(self) -> float:
        return (
            self.words * 60 / WORDS_PER_MINUTE
            + self.answers * SECONDS_PER_ANSWER
            + self.extra_ticks * SECONDS_PER_EXTRA_TICK
            + self.characters / CHARACTERS_PER_SECOND
            + self.check_rows * SECONDS_PER_CHECK_ROW
            + SECONDS_PER_PAGE
        )


@dataclass
class Journey:
    vignette: str
    pages: list[PageTime] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(p.patient_seconds + p.machine_seconds for p in self.pages)

    def total(self, attribute: str) -> float:
        return float(sum(getattr(p, attribute) for p in self.pages))


def answered(page: Page, data: Mapping[str, Any]) -> tuple[int, int, int]:
    """(questions answered, further boxes ticked, characters typed) of `data` as filled in on
    `page`: only the fields in sight count (a question hidden by the answers is skipped)."""
    shown = page.evaluate(
        """(names) => names.filter((name) => {
            const field = document.querySelector(`[name="${name}"]`);
            return field && field.closest("[data-question]").checkVisibility();
        })""",
        [name for name in data if name != "action"],
    )
    questions = ticks = characters = 0
    for name in shown:
        value = data[name]
        questions += 1
        if isinstance(value, list):
            ticks += max(len(value) - 1, 0)
        elif page.locator(f'[name="{name}"]').first.get_attribute("type") not in (
            "radio",
            "checkbox",
        ):
            characters += len(str(value))
    return questions, ticks, characters


def run_journey(page: Page, base_url: str, vignette: str | None, *, wait: bool) -> Journey:
    """One complete journey, the start page to the confirmation page, timed page by page."""
    from tests.browser.patient import fill_in, press, start_form, step_of
    from tests.journey import CONSENT, step_post_data, vignette_answers

    answers = vignette_answers(vignette)
    journey = Journey(vignette or "defaults")
    clock = time.monotonic()

    def spend(record: PageTime) -> None:
        """Close the page's record: the machine's time since the last page, the patient's."""
        nonlocal clock
        if wait:  # the typing was spent already, key by key (_retype)
            typing = record.characters / CHARACTERS_PER_SECOND
            page.wait_for_timeout((record.patient_seconds - typing) * 1000)
        now = time.monotonic()
        record.machine_seconds = now - clock - (record.patient_seconds if wait else 0.0)
        clock = now
        journey.pages.append(record)

    page.goto(f"{base_url}/")
    start = PageTime("start", words=words(page.evaluate(_READ_ALL)), answers=1)
    start_form(page, base_url)
    spend(start)
    while step_of(page) != "check":
        key = step_of(page)
        data = step_post_data(key, answers)
        fill_in(page, data)
        record = PageTime(key, words=words(page.evaluate(_READ)))
        record.answers, record.extra_ticks, record.characters = answered(page, data)
        if wait:
            _retype(page, data)
        press(page, "Continue")
        assert step_of(page) != key, f"{key}: the page did not move on"
        spend(record)
    rows = page.locator(".summary-list__row").count()
    fill_in(page, CONSENT)
    check = PageTime("check", words=words(page.evaluate(_READ)), check_rows=rows)
    check.answers, check.extra_ticks, check.characters = answered(page, CONSENT)
    if wait:
        _retype(page, CONSENT)
    press(page, "Send your answers")
    assert step_of(page) == "done", page.url
    spend(check)
    return journey


def _retype(page: Page, data: Mapping[str, Any]) -> None:
    """Type the text answers again key by key at the model's speed (`--wait`)."""
    delay = 1000 / CHARACTERS_PER_SECOND
    for name, value in data.items():
        field_ = page.locator(f'[name="{name}"]').first
        if name == "action" or isinstance(value, list) or not field_.count():
            continue
        if field_.get_attribute("type") in ("radio", "checkbox", "date"):
            continue
        if field_.is_visible():
            field_.fill("")
            field_.press_sequentially(str(value), delay=delay)


def promise(seconds: list[float]) -> int:
    """The minutes the start page promises: the median, rounded up to whole 5 minutes."""
    minutes = statistics.median(seconds) / 60
    return int(math.ceil(minutes / ROUND_TO_MINUTES) * ROUND_TO_MINUTES)


@contextmanager
def live_app() -> Iterator[str]:
    """The app in this process on a throwaway SQLite database; yields its address."""
    from tests.browser.screenshots import configure

    with tempfile.TemporaryDirectory(prefix="clinic-journey-time-") as tmp:
        configure(Path(tmp) / "db.sqlite3")
        import django

        django.setup()
        logging.disable(logging.WARNING)
        from django.contrib.staticfiles.handlers import StaticFilesHandler
        from django.core.management import call_command
        from django.test.testcases import LiveServerThread

        call_command("migrate", interactive=False, verbosity=0)
        server = LiveServerThread("localhost", StaticFilesHandler)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        try:
            yield f"http://localhost:{server.port}"
        finally:
            server.terminate()


def report(journeys: list[Journey]) -> str:
    lines = [
        f"{'journey':10} {'pages':>5} {'words':>6} {'answers':>7} {'typed':>6} "
        f"{'reading':>8} {'patient':>8} {'machine':>8} {'total':>7}"
    ]
    for j in journeys:
        reading = j.total("words") * 60 / WORDS_PER_MINUTE
        patient = sum(p.patient_seconds for p in j.pages)
        lines.append(
            f"{j.vignette:10} {len(j.pages):5d} {j.total('words'):6.0f} {j.total('answers'):7.0f} "
            f"{j.total('characters'):6.0f} {reading / 60:7.1f}m {patient / 60:7.1f}m "
            f"{j.total('machine_seconds'):7.1f}s {j.seconds / 60:6.1f}m"
        )
    seconds = [j.seconds for j in journeys]
    lines.append(f"median {statistics.median(seconds) / 60:.1f} minutes")
    lines.append(f"start page: about {promise(seconds)} minutes")
    return "\n".join(lines)


def main() -> int:
    global WORDS_PER_MINUTE
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wait", action="store_true", help="spend the patient's time for real")
    parser.add_argument("--wpm", type=int, default=WORDS_PER_MINUTE, help="reading speed")
    parser.add_argument(
        "--vignettes",
        default=",".join(v or "defaults" for v in BROWSER_TEST_VIGNETTES),
        help="comma-separated; 'defaults' for the vignettes' defaults",
    )
    args = parser.parse_args()
    WORDS_PER_MINUTE = args.wpm
    chosen = [None if v == "defaults" else v for v in args.vignettes.split(",")]
    chromium = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    if not chromium.exists():
        print(f"Chromium not found at {chromium}: apt-get install chromium", file=sys.stderr)
        return 1
    with live_app() as base_url:
        from playwright.sync_api import sync_playwright

        from tests.browser.patient import CONTEXT_OPTIONS, launch

        journeys = []
        with sync_playwright() as playwright:
            browser = launch(playwright)
            for vignette in chosen:
                context = browser.new_context(**CONTEXT_OPTIONS)
                journeys.append(run_journey(context.new_page(), base_url, vignette, wait=args.wait))
                context.close()
            browser.close()
    print(report(journeys))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A patient's hands on the real pages: shared by the browser tests and `screenshots.py`.

Everything here drives the UI the way a person does (typing, ticking, pressing buttons); answers
come from `tests/journey.py`, so the field names are question codes and the values choice codes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Playwright, ViewportSize

from tests.journey import step_post_data

# Debian's Chromium: Playwright's own browser download is not available on our machines.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
# A patient of a UK clinic: British English, the clinic's clock (the form works out the age from
# the date of birth in the browser). Reduced motion: no smooth scrolling, so a click lands where
# the element is now, not where it was before the page scrolled to it.
CONTEXT_OPTIONS: dict[str, Any] = {
    "viewport": DESKTOP,
    "locale": "en-GB",
    "timezone_id": "Europe/London",
    "reduced_motion": "reduce",
}

_axe = Axe()


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def press(page: Page, name: str) -> None:
    """Press a button or link by its accessible name and wait for the next page to load."""
    control = page.get_by_role("button", name=name, exact=True)
    if not control.count():
        control = page.get_by_role("link", name=name, exact=True)
    with page.expect_navigation():
        control.click()


def start_form(page: Page, base_url: str) -> str:
    """Open the start page, press "Start now"; returns the draft's token."""
    page.goto(f"{base_url}/")
    with page.expect_navigation():
        page.get_by_role("button", name="Start now").click()
    return token_of(page)


def token_of(page: Page) -> str:
    """The draft token in the current /intake/<token>/... address."""
    parts = page.url.split("/")
    return parts[parts.index("intake") + 1]


def step_of(page: Page) -> str:
    """The page's key in the current /intake/<token>/<key>/ address (without ?query or #hash):
    "about_you", "red_flags" (the safety check's first page), "red_flags/breathing", "check"."""
    parts = page.url.split("?")[0].split("#")[0].rstrip("/").split("/")
    return "/".join(parts[parts.index("intake") + 2 :])


_FORM_STATE = """(form, names) => {
    // Each named field's type, visibility and ticked values, and which fields reveal others.
    const states = {};
    for (const name of names) {
        const fields = Array.from(form.elements).filter((el) => el.name === name);
        states[name] = fields.length ? {
            type: fields[0].type,
            visible: fields[0].checkVisibility(),
            checked: fields.filter((el) => el.checked).map((el) => el.value),
        } : null;
    }
    const triggers = new Set();
    const walk = (condition) => {
        if (condition.code) { triggers.add(condition.code); }
        (condition.conditions || []).forEach(walk);
    };
    form.querySelectorAll("[data-show-if]").forEach((wrapper) => {
        walk(JSON.parse(wrapper.getAttribute("data-show-if")));
    });
    if (triggers.has("age_years")) { triggers.add("date_of_birth"); }
    return {states, triggers: Array.from(triggers)};
}"""


def fill_in(page: Page, data: Mapping[str, Any]) -> None:
    """Answer the visible questions of the current page from a POST-style dict.

    Radios and checkboxes are clicked, text is typed, in the dict's (= the page's) order, so a
    show-if question is answered only once an earlier answer has revealed it. Questions that stay
    hidden are skipped, as a patient would; the server ignores hidden answers anyway.
    """
    form = page.locator("form[data-intake-form]")
    names = [name for name in data if name != "action"]
    stale = True
    for position, name in enumerate(names):
        if stale:
            # Looked up once per page, and again only after an answer that can show or hide
            # other questions: one round trip instead of one per question.
            found = form.evaluate(_FORM_STATE, names[position:])
            states, triggers, stale = found["states"], set(found["triggers"]), False
        state, value = states[name], data[name]
        if state is None:
            raise AssertionError(f"no field named {name!r} on {page.url}")
        if not state["visible"]:
            continue
        if state["type"] in ("radio", "checkbox"):
            wanted = {str(v) for v in value} if isinstance(value, list) else {str(value)}
            for code in sorted(wanted ^ set(state["checked"])):  # only what must change
                box = form.locator(f'input[name="{name}"][value="{code}"]')
                # A real mouse click on the box. `force` skips the wait for two still animation
                # frames (halving a journey's time); a click that lands on anything else still
                # fails, because set_checked() then finds the box's state unchanged.
                box.set_checked(code in wanted, force=True)
                stale = stale or name in triggers
        elif name == "date_of_birth":
            fill_date(page, str(value))
            stale = stale or name in triggers
        else:
            form.locator(f'[name="{name}"]').fill(str(value))
            stale = stale or name in triggers


def type_date_of_birth(page: Page, day: int, month: int, year: int) -> list[str]:
    """Type a date of birth as a patient would, into its Day, Month and Year boxes (GOV.UK's
    date input; any numbers, so an impossible date too). Returns what the boxes now hold, in
    page order, to check what is shown back later."""
    form = page.locator("form[data-intake-form]")
    for label, value in (("Day", day), ("Month", month), ("Year", year)):
        form.get_by_label(label, exact=True).fill(str(value))
    boxes = form.locator('input[name="date_of_birth"]')
    return [box.input_value() for box in boxes.all()]


def fill_date(page: Page, iso_date: str, *, name: str = "date_of_birth") -> None:
    """Type a date (YYYY-MM-DD) into its Day, Month and Year boxes, as a patient would."""
    year, month, day = iso_date.split("-")
    boxes = page.locator(f'input[name="{name}"]')
    for index, part in enumerate((str(int(day)), str(int(month)), year)):
        boxes.nth(index).fill(part)


def answer_step(page: Page, answers: Mapping[str, Any], *, action: str = "Continue") -> None:
    """Fill in the current step from an answer set and press Continue (or another button)."""
    fill_in(page, step_post_data(step_of(page), answers))
    press(page, action)


def axe_violations(page: Page) -> tuple[int, str]:
    """axe-core's violation count on the current page, and its report for a failure message.

    Without axe's "preload" of the page's style sheets: for a sheet with an @import (the
    admin's forms.css imports widgets.css) it copies the sheet into a <style> element, which
    the Content Security Policy refuses ("Applying inline style violates ..."), a console error
    of the test tool's own making. Only css-orientation-lock reads the preloaded sheets."""
    results = _axe.run(page, options={"preload": False})
    return results.violations_count, results.generate_report()


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scrolling)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


# --- Assertions shared by the browser tests ----------------------------------------------------


def assert_accessible(page: Page, what: str) -> None:
    """Zero axe-core violations on the page as it is now, at desktop width (1280 CSS px), and
    no text on it escaped twice ("A&amp;E" where "A&E" was meant)."""
    size = page.viewport_size
    if size is not None and size["width"] != DESKTOP["width"]:
        page.set_viewport_size(DESKTOP)
    count, report = axe_violations(page)
    if size is not None and size["width"] != DESKTOP["width"]:
        page.set_viewport_size(size)
    assert count == 0, f"axe-core on {what} ({page.url}):\n{report}"
    assert_nothing_escaped_twice(page, what)


# An entity shown as text: what a page shows when something was escaped twice.
_ESCAPED_TEXT = r"&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);"


def assert_nothing_escaped_twice(page: Page, what: str) -> None:
    """No entity (&amp;, &lt;, &#39;...) among the text the page shows, hidden text included."""
    found = page.evaluate(
        "(pattern) => (document.body.textContent.match(new RegExp(pattern, 'i')) || [null])[0]",
        _ESCAPED_TEXT,
    )
    assert found is None, f"{what} ({page.url}) shows {found!r} as text"


def assert_reflows(page: Page, what: str) -> None:
    """No sideways scrolling at the page's current width (WCAG 1.4.10 Reflow)."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{what} is {scroll_width}px wide in a {width}px window"
    assert horizontal_overflow(page) == 0, what

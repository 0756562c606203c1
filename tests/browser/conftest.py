"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

One browser for all of them (starting Chromium costs a second or two); a fresh context, so
fresh cookies and session, for every patient. Every page a test opens is watched for console
errors, uncaught script errors and Content Security Policy violations: any of them fails the test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from tests.browser.patient import CHROMIUM, CONTEXT_OPTIONS, launch

# Playwright's sync API keeps an asyncio event loop running in the test thread, so Django's
# async-safety check would refuse the ORM calls a test makes to look at the database (and the
# database flush after each test) with SynchronousOnlyOperation. The check guards against ORM
# calls from coroutines; here every ORM call is plain synchronous code, so it is safe to lift.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

NewPage = Callable[..., Page]


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for all the browser tests, closed before the rest of the suite runs."""
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium (or set CHROMIUM)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    # Rate-limit counters live in the cache; each test starts from zero.
    cache.clear()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[NewPage]:
    """Open a page in a new browser context (a new device: no cookies); watched for errors."""
    contexts = []
    problems: list[str] = []

    def open_page(**context_options: Any) -> Page:
        context = browser.new_context(**{**CONTEXT_OPTIONS, **context_options})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()

        def on_console(message: ConsoleMessage) -> None:
            # CSP violations ("Refused to load/execute/apply ...") are console errors too.
            if message.type != "error":
                return
            # Chromium asks for /favicon.ico on its own; base.html names no icon (reported).
            if message.location.get("url", "").endswith("/favicon.ico"):
                return
            problems.append(f"console error on {page.url}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(f"script error on {page.url}: {error}"))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def page(new_page: NewPage) -> Page:
    """Alex's browser, at desktop size."""
    return new_page()

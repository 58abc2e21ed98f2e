"""Fixtures for the browser journeys.

* ``browser``: one headless Debian chromium for the whole session (Playwright's sync API).
* ``page``: a fresh browser context and page per test, pointed at pytest-django's ``live_server``
  (so ``page.goto("/practices/")`` works); the test fails at teardown if the browser logged a
  console error or an uncaught page error (``console_errors.allow(pattern)`` for expected ones).
* ``check_page``: ``check_page("practice list")`` screenshots the page to
  ``test-output/screenshots/<test>/<NN>-<slug>.png`` and asserts zero axe-core violations.

Every test in this folder gets the ``browser`` marker: ``pytest -m "not browser"`` skips them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from tests.browser.helpers import (
    CHROMIUM_ARGS,
    CHROMIUM_PATH,
    SCREENSHOT_ROOT,
    ConsoleErrors,
    PageChecker,
)

BROWSER_TESTS = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # tryfirst: the marker must be on the items before ``-m`` deselects by marker.
    for item in items:
        if BROWSER_TESTS in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def playwright():
    # While Playwright's sync API is running, the test thread has a running asyncio event loop, and
    # Django refuses ORM calls from it unless told this is safe (it is: nothing here is async).
    # Set before the loop starts, so every ORM call made while it runs (factories in the tests,
    # pytest-django's flush after each test, later tests in the session) is allowed.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            yield pw
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def console_errors():
    return ConsoleErrors()


@pytest.fixture
def page(browser, live_server, console_errors, request):
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        timezone_id="Europe/London",
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    console_errors.watch(page)
    yield page
    if request.node.stash.get(_CALL_FAILED, False):
        # Where the journey stopped, for the person reading the failure.
        folder = SCREENSHOT_ROOT / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=folder / "failure.png", full_page=True)
        except PlaywrightError:
            pass  # the page may have crashed or closed: the test's own failure says why
    context.close()
    unexpected = console_errors.unexpected()
    if unexpected:
        pytest.fail(
            "The browser reported errors during the journey:\n- " + "\n- ".join(unexpected),
            pytrace=False,
        )


@pytest.fixture
def check_page(page, request):
    return PageChecker(page, request.node.name)

"""What every browser journey needs: sign in, check a page (screenshot + axe-core), and collect the
browser's console errors. The fixtures in ``conftest.py`` wire these to each test; journeys import
``sign_in`` from here.

No sleeps: every wait is Playwright's auto-waiting (``expect(...)``, actions, load states)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import ConsoleMessage, Error, Page, expect

from tests.factories import TEST_PASSWORD

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_ROOT = PROJECT_ROOT / "test-output" / "screenshots"

CHROMIUM_PATH = "/usr/bin/chromium"
# The machine's network is closed: without these Chromium keeps trying (and failing) to reach
# Google's update, sync and QUIC endpoints, which floods the log with refused connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# WCAG 2.0, 2.1 and 2.2 levels A and AA, plus axe's best practices (landmarks, headings, ...).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}

_axe = Axe()

# How Chromium reports a Content-Security-Policy violation in the console (also "[Report Only]
# Refused to ...") or as an uncaught error (e.g. "Refused to evaluate a string as JavaScript").
CSP_VIOLATION = re.compile(r"Refused to |Content[- ]Security[- ]Policy", re.IGNORECASE)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "page"


# -- forms ------------------------------------------------------------------------------------


def fill_date(page: Page, legend: str, value) -> None:
    """Type a date into the NHS date input whose fieldset legend is ``legend``, as a person
    would: day, month and year in their own boxes (a ``datetime.date`` or ``(d, m, y)`` text)."""
    day, month, year = (
        (str(value.day), str(value.month), str(value.year)) if hasattr(value, "day") else value
    )
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


# -- signing in --------------------------------------------------------------------------------


def sign_in(page: Page, live_server, username: str, password: str = TEST_PASSWORD, *, check=None):
    """Sign in through the login form, as a person would, and wait until the form has gone.

    ``check`` is the ``check_page`` fixture: pass it to screenshot and axe-check the login page."""
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    if check is not None:
        check("sign in")
    page.locator("input[name='username']").fill(username)
    page.locator("input[name='password']").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    if "/accounts/two-factor/set-up/" in page.url:
        # No authenticator app yet: the one-time set-up code an administrator would hand over
        # (ADR 0041), typed in; the page then shows the new app's key.
        from accounts.enrolment import enrolment_code_issue
        from accounts.models import User

        code, _row = enrolment_code_issue(user=User.objects.get(username=username), by=None)
        page.get_by_label("Set-up code from your administrator").fill(code)
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("button", name="Turn on two-factor sign-in")).to_be_visible()
    if "/accounts/two-factor/" in page.url:
        # Officers, auditors and administrators: the code from their authenticator app.
        from accounts.models import Authenticator
        from tests.two_factor import current_code

        device = Authenticator.objects.filter(user__username=username).latest("pk")
        page.get_by_label("Code from your authenticator app").fill(current_code(device))
        page.get_by_role("button", name=re.compile("Continue|Turn on two-factor")).click()
        expect(page).not_to_have_url(re.compile(r"/accounts/two-factor/"))


# -- axe-core ----------------------------------------------------------------------------------


def format_violations(violations: list[dict], label: str, url: str) -> str:
    """axe's violations as a person reads them: rule, impact, help, then each failing element."""
    lines = [f"{len(violations)} axe-core violation(s) on {label!r} ({url}):"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} [{violation.get('impact') or 'no impact'}] {violation['help']}"
            f" ({violation.get('helpUrl', '')})"
        )
        for node in violation["nodes"]:
            target = " ".join(
                t if isinstance(t, str) else " >> ".join(t) for t in node.get("target", [])
            )
            lines.append(f"    at {target}")
            lines.append(f"       {node.get('html', '').strip()[:200]}")
            summary = (node.get("failureSummary") or "").strip().replace("\n", "\n       ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


def axe_violations(page: Page) -> list[dict]:
    return _axe.run(page, options=AXE_OPTIONS).response["violations"]


def assert_accessible(page: Page, label: str = "page") -> None:
    violations = axe_violations(page)
    assert not violations, format_violations(violations, label, page.url)


# -- per-test collaborators (made by the fixtures) ------------------------------------------------


class ConsoleErrors:
    """Console messages of type "error" and uncaught page errors; the ``page`` fixture fails the
    test at teardown if any occurred that the test did not ``allow``."""

    def __init__(self):
        self.errors: list[str] = []
        self._allowed: list[re.Pattern] = []

    def watch(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)

    def allow(self, pattern: str) -> None:
        """Expect an error matching ``pattern`` (a regular expression), e.g. the browser's
        "Failed to load resource: ... 404" when the journey deliberately opens a missing page."""
        self._allowed.append(re.compile(pattern))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            self.errors.append(f"console.error: {message.text} (at {where})")

    def _on_page_error(self, error: Error) -> None:
        self.errors.append(f"uncaught page error: {error.message}")

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self._allowed)]


class PageChecker:
    """``check_page("practice list")``: wait for the page to load, save a full-page screenshot to
    ``test-output/screenshots/<test>/<NN>-<slug>.png``, assert the browser has reported no
    Content-Security-Policy violation since the test began (whatever ``console_errors.allow``
    says), then assert axe-core finds no violations."""

    def __init__(self, page: Page, test_name: str):
        self.page = page
        self.folder = SCREENSHOT_ROOT / re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.count = 0
        self.checked: list[str] = []
        self.csp_violations: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)

    def _on_console(self, message: ConsoleMessage) -> None:
        if CSP_VIOLATION.search(message.text):
            self.csp_violations.append(f"console.{message.type}: {message.text}")

    def _on_page_error(self, error: Error) -> None:
        if CSP_VIOLATION.search(error.message):
            self.csp_violations.append(f"uncaught page error: {error.message}")

    def screenshot(self, label: str) -> Path:
        self.count += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.count:02d}-{slugify(label)}.png"
        self.page.screenshot(path=path, full_page=True)
        return path

    def __call__(self, label: str) -> None:
        self.page.wait_for_load_state("load")
        self.screenshot(label)
        self.checked.append(label)
        assert not self.csp_violations, (
            f"Content-Security-Policy violation(s) by {label!r} ({self.page.url}) or earlier:\n- "
            + "\n- ".join(self.csp_violations)
        )
        assert_accessible(self.page, label)

"""An officer gives their practices more time for the current quarter (ADR 0043): Quarters and
tariffs → Extend → a date before the default is refused with a message → the extended date with a
reason is saved → it is shown beside the default, and on a practice's quarters page. Zero axe
violations on every page reached."""

from __future__ import annotations

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from claims.models import DueDateExtension
from core.periods import Period
from history.models import AuditEvent
from tests import factories as f
from tests.browser.helpers import fill_date, sign_in
from tests.two_factor import authenticator


def test_officer_extends_the_current_quarters_due_date_for_their_practices(
    page, live_server, check_page
):
    period = Period.containing(timezone.localdate())  # due after it ends: still ahead of today
    default = period.default_due_date
    extended = default + datetime.timedelta(days=7)
    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    practice = f.PracticeFactory(
        ods_code="C87001", name="Dinnington Group Practice", pcn__commissioner=rotherham
    )
    f.AgreementFactory(practice=practice)
    f.AlignmentFactory(practice=practice, care_home__commissioner=rotherham)
    officer = f.officer(rotherham, username="olive.officer", first_name="Olive")
    authenticator(officer)

    sign_in(page, live_server, officer.username)
    page.goto("/periods/")
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Quarters, tariffs and lateness bands"
    )
    check_page("quarters and tariffs")
    page.get_by_role("link", name=f"Extend the {period.label} due date for your practices").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"Extend the {period.label} due date for NHS Rotherham CCG"
    )
    check_page("extend the due date")

    # A day before the default is refused, with a message naming the field; nothing is saved.
    before = default - datetime.timedelta(days=1)
    fill_date(page, "Due date for your practices", before)
    page.get_by_label("Reason for the extension").fill("Clinical system outage across the patch")
    page.get_by_role("button", name="Extend due date").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("cannot be before the default due date")
    check_page("extension refused")
    assert not DueDateExtension.objects.exists()

    fill_date(page, "Due date for your practices", extended)
    page.get_by_label("Reason for the extension").fill("Clinical system outage across the patch")
    page.get_by_role("button", name="Extend due date").click()
    expect(page).to_have_url(f"{live_server.url}/periods/")
    expect(main).to_contain_text("Due date extended for your practices.")
    row = page.get_by_role("row", name=period.label)
    expect(row).to_contain_text(f"{default:%-d %B %Y}")
    expect(row).to_contain_text(f"{extended:%-d %B %Y} (extended)")
    check_page("quarter extended")
    saved = DueDateExtension.objects.get()
    assert (saved.commissioner, saved.due_date, saved.set_by) == (rotherham, extended, officer)
    assert AuditEvent.objects.get(action="due_date_extend").reason == (
        "Clinical system outage across the patch"
    )

    # The practice's quarters page shows its due date as the extended one, and says so.
    page.goto(f"/practices/{practice.ods_code}/worksheets/")
    quarter_row = page.get_by_role("row", name=period.label)
    expect(quarter_row).to_contain_text(f"{extended:%-d %b %Y}")
    expect(quarter_row).to_contain_text(f"extended by the commissioner from {default:%-d %b %Y}")
    expect(quarter_row).to_contain_text(
        f"Due by {extended:%-d %B %Y} (extended by your commissioner from {default:%-d %B %Y})."
    )
    check_page("practice quarters with the extended date")

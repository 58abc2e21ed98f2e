"""The home pages as work queues: each item a count linking to exactly those items."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditCase
from claims import selectors
from claims.models import Worksheet
from claims.payments.runs import payment_run_authorise, payment_run_close, payment_run_create
from claims.review.services import claim_approve, claim_check, claim_query
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from outcomes.models import OutcomesPeriod
from outcomes.services import outcomes_period_for
from tests import factories as f

DAY = datetime.timedelta(days=1)


def _claim(practice, home, period):
    quarter = quarter_for(period)
    return worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={home.pk: LineEntry(opening=3, new_permanent=0, temporary=0, moved_out=0, died=0)},
        by=None,
        submitted_at=datetime.datetime.combine(quarter.due_date, datetime.time(9), LONDON),
    )


@pytest.fixture
def office(db):
    commissioner = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    pcn = f.PCNFactory(commissioner=commissioner)
    practices, homes = [], []
    for n in range(3):
        practice = f.PracticeFactory(pcn=pcn, ods_code=f"C8700{n + 1}")
        homes.append(f.AlignmentFactory(practice=practice).care_home)
        f.AgreementFactory(practice=practice)
        practices.append(practice)
    me = f.officer(commissioner, username="me")
    colleague = f.officer(commissioner, username="colleague")
    return {"commissioner": commissioner, "practices": practices, "homes": homes, "me": me,
            "colleague": colleague}  # fmt: skip


def _items(page: str) -> dict[str, tuple[int, str]]:
    """Each queue item on the page: its text → (count, link)."""
    found = {}
    for url, count, text in re.findall(
        r'<a class="nhsuk-link" href="([^"]+)"><strong>(\d+)</strong> ([^<]+)</a>', page
    ):
        found[html.unescape(text.strip())] = (int(count), html.unescape(url))
    for count, text in re.findall(r"<li><strong>(\d+)</strong> ([^<(]+)", page):
        found.setdefault(html.unescape(text.strip()), (int(count), ""))
    return found


def _queue_rows(client, url) -> set[int]:
    page = client.get(url).content.decode()
    return {int(pk) for pk in re.findall(r'href="/claims/(\d+)/"', page)}


def test_officer_home_counts_claims_each_linking_to_exactly_those(client, office):
    p, h, me, colleague = office["practices"], office["homes"], office["me"], office["colleague"]
    period = Period(2019, 1)
    to_check = _claim(p[0], h[0], period)
    mine = claim_check(
        claim=_claim(p[1], h[1], period), by=me
    )  # checked by me: not mine to approve
    theirs = claim_check(claim=_claim(p[2], h[2], period), by=colleague)
    client.force_login(me)
    items = _items(client.get(reverse("home")).content.decode())

    count, url = items["claims to check"]
    assert count == 1 and _queue_rows(client, url) == {to_check.pk}
    count, url = items["claims you can approve"]
    assert count == 1 and _queue_rows(client, url) == {theirs.pk}
    assert mine.pk not in _queue_rows(client, url)
    assert "claims awaiting your finance approval" not in items  # not a finance approver


def test_officer_home_shows_finance_approvals_to_finance_approvers_only_for_others_claims(
    client, office
):
    from claims.models import ApprovalPolicy

    ApprovalPolicy.objects.create(finance_threshold_pence=100)
    p, h, me, colleague = office["practices"], office["homes"], office["me"], office["colleague"]
    third = f.officer(office["commissioner"], username="third")
    finance = f.officer(office["commissioner"], username="finance", is_finance_approver=True)
    waiting = claim_approve(claim=claim_check(claim=_claim(p[0], h[0], Period(2019, 1)), by=me),
                            by=colleague)  # fmt: skip
    assert waiting.status == Worksheet.Status.AWAITING_FINANCE
    client.force_login(finance)
    count, url = _items(client.get(reverse("home")).content.decode())[
        "claims awaiting your finance approval"
    ]
    assert count == 1 and _queue_rows(client, url) == {waiting.pk}
    client.force_login(third)
    assert "claims awaiting your finance approval" not in _items(
        client.get(reverse("home")).content.decode()
    )


def test_officer_home_lists_payment_runs_to_close_and_to_prepare(client, office):
    p, h, me, colleague = office["practices"], office["homes"], office["me"], office["colleague"]
    claim_approve(claim=claim_check(claim=_claim(p[0], h[0], Period(2019, 1)), by=me), by=colleague)
    client.force_login(me)
    items = _items(client.get(reverse("home")).content.decode())
    (prepare,) = [k for k in items if k.startswith("approved claims waiting for a payment run")]
    assert items[prepare] == (1, reverse("payment_runs:create"))
    run = payment_run_create(
        commissioner=office["commissioner"], run_date=timezone.localdate() + 7 * DAY, by=me
    )
    items = _items(client.get(reverse("home")).content.decode())
    (waiting,) = [k for k in items if k.startswith("payment run waiting for a second officer")]
    assert run.reference in waiting
    client.force_login(colleague)
    items = _items(client.get(reverse("home")).content.decode())
    (authorise,) = [k for k in items if k.startswith("payment run to authorise")]
    assert run.reference in authorise
    run = payment_run_authorise(run=run, by=colleague)
    client.force_login(me)
    items = _items(client.get(reverse("home")).content.decode())
    (close,) = [k for k in items if k.startswith("payment run to close")]
    assert run.reference in close and items[close][1] == reverse("payment_runs:run", args=[run.pk])
    payment_run_close(run=run, by=me)
    items = _items(client.get(reverse("home")).content.decode())
    assert any(k.startswith("payment run to mark paid") for k in items)


def test_officer_home_counts_failed_emails(client, office):
    from notices.models import Notice

    Notice.objects.create(key="x", kind=Notice.Kind.CLAIM, practice=office["practices"][0],
                          subject="s", body="b", status=Notice.Status.FAILED)  # fmt: skip
    client.force_login(office["me"])
    count, url = _items(client.get(reverse("home")).content.decode())[
        "emails to practices that failed"
    ]
    assert (count, url) == (1, f"{reverse('notices:list')}?status=failed")


def test_auditor_home_counts_cases_by_stage_and_evidence_overdue(client, office):
    p = office["practices"]
    now = timezone.now()
    AuditCase.objects.create(practice=p[0], financial_year=2026, source="flagged", flag_reason="x")
    overdue = AuditCase.objects.create(
        practice=p[1], financial_year=2026, source="flagged", flag_reason="x",
        status=AuditCase.Status.EVIDENCE_REQUESTED, evidence_requested_at=now - 40 * DAY,
    )  # fmt: skip
    AuditCase.objects.create(
        practice=p[2], financial_year=2026, source="flagged", flag_reason="x",
        status=AuditCase.Status.EVIDENCE_REQUESTED, evidence_requested_at=now - 3 * DAY,
    )  # fmt: skip
    client.force_login(f.auditor(office["commissioner"]))
    items = _items(client.get(reverse("home")).content.decode())
    assert items["audit cases to ask for evidence"][0] == 1
    assert items["audit cases awaiting the practice's evidence"][0] == 2
    count, url = items["audit cases with evidence overdue"]
    assert count == 1
    listed = re.findall(r'href="/audits/cases/(\d+)/"', client.get(url).content.decode())
    assert listed == [str(overdue.pk)]


def test_practice_manager_home_says_what_is_due_queries_and_payments(client, office):
    today = timezone.localdate()
    practice, home = office["practices"][0], office["homes"][0]
    last = selectors.last_quarter_due(today).period
    queried = _claim(practice, home, last.previous())
    claim_query(claim=queried, by=office["me"], message="Please check the opening at Oak House.")
    manager = f.practice_manager(practice)
    client.force_login(manager)
    page = html.unescape(client.get(reverse("home")).content.decode())
    assert "Your practices" in page
    late = (today - selectors.quarter_or_default(last).due_date).days
    assert f"{last.label} worksheet" in page and f"{late} days late" in page
    assert "If sent today:" in page
    assert "Please check the opening at Oak House." in page
    assert reverse("claims:worksheet", args=[practice.ods_code, last.previous().slug]) in page
    assert "No payments yet" in page
    # Outcomes reports whose window has opened and that are not sent are due.
    year, half = OutcomesPeriod.containing(today)
    for _ in range(3):
        period = outcomes_period_for(year, half)
        if today >= period.opens_on:
            assert f"{period.label} outcomes report" in page
            break
        year, half = OutcomesPeriod.before(year, half)


def test_outcomes_page_opens_on_the_latest_half_year_whose_reports_have_opened(client, office):
    today = timezone.localdate()
    client.force_login(office["me"])
    page = client.get(reverse("outcomes:index")).content.decode()
    year, half = OutcomesPeriod.containing(today)
    period = outcomes_period_for(year, half)
    while today < period.opens_on:
        period = outcomes_period_for(*OutcomesPeriod.before(period.year, period.half))
    assert f"<strong>{period.label}</strong>" in page


def test_officer_home_counts_every_practice_not_submitted_and_names_the_first_ten(client, office):
    """The count is of every practice owing the last quarter due; the first ten are named, by name,
    each with its days late, and a link leads to the rest."""
    today = timezone.localdate()
    owed = selectors.last_quarter_due(today)
    pcn = office["practices"][0].pcn
    for n in range(10):
        practice = f.PracticeFactory(pcn=pcn, ods_code=f"C8701{n}", name=f"Zed Surgery {n:02d}")
        f.AlignmentFactory(practice=practice)
        f.AgreementFactory(practice=practice)
    sent = office["practices"][0]
    _claim(sent, office["homes"][0], owed.period)  # sent: neither counted nor named
    other = f.PracticeFactory(name="Another ICB Surgery")  # another commissioner's
    f.AlignmentFactory(practice=other)
    f.AgreementFactory(practice=other)
    client.force_login(office["me"])
    page = html.unescape(client.get(reverse("home")).content.decode())
    assert "<strong>12</strong> practices not submitted" in page
    named = re.findall(r"<li>([^<(]+) \((C87\d+)\): (\d+) days? late; ", page)
    codes = [code for _, code, _ in named]
    assert sorted(codes[:2]) == ["C87002", "C87003"]  # "Test Medical Centre …" before "Zed …"
    assert codes[2:] == [f"C8701{n}" for n in range(8)]
    late = (today - owed.due_date).days
    assert {int(days) for *_, days in named} == {late}
    assert "See all 12 and chase them" in page
    assert sent.ods_code not in page and "Another ICB Surgery" not in page

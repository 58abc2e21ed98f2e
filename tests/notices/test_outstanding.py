"""Who owes what, and chasing them: the one rule for "owed and not submitted" shared by the
dashboard, the home pages, the outstanding pages and ``export_claims``; the chase (once a practice a
day, through the outbox, in the history); the downloads; the wording of lateness."""

from __future__ import annotations

import csv
import datetime
import io
import re

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.access import scope_for
from claims import selectors
from claims.rules import DEFAULT_BANDS
from claims.wording import lateness_cost
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from history.models import AuditEvent
from notices.models import Notice
from reports.dashboard import submissions
from reports.outstanding import practice_chase, worksheets_owed
from tests import factories as f

DAY = datetime.timedelta(days=1)


def _owing_practice(pcn, ods_code, name, **agreement):
    practice = f.PracticeFactory(pcn=pcn, ods_code=ods_code, name=name)
    home = f.AlignmentFactory(practice=practice, care_home__commissioner=pcn.commissioner).care_home
    f.AgreementFactory(practice=practice, **agreement)
    f.PracticeContactFactory(practice=practice, email=f"{ods_code.lower()}@nhs.net")
    return practice, home


@pytest.fixture
def scene(db):
    """In 03L: C87001 sent the last quarter that fell due, C87002 and C87003 did not; C87004's
    agreement ended before it. In 02P: Y00001 did not send it either. Nobody has sent the quarter
    running today, which is not due yet."""
    today = timezone.localdate()
    last = selectors.last_quarter_due(today)
    last = quarter_for(last.period)
    running = quarter_for(Period.containing(today))
    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    pcn = f.PCNFactory(commissioner=rotherham)
    sent, sent_home = _owing_practice(pcn, "C87001", "Aston Surgery")
    owing = [
        _owing_practice(pcn, "C87002", "Blyth Road Medical Centre")[0],
        _owing_practice(pcn, "C87003", "Crown Street Surgery")[0],
    ]
    _owing_practice(
        pcn,
        "C87004",
        "Dalton Practice",
        notice_given_on=last.first_day - 200 * DAY,
        notice_given_by="practice",
        ends_on=last.first_day - DAY,
    )
    foreign_pcn = f.PCNFactory(commissioner=f.CommissionerFactory(code="02P"))
    foreign, _ = _owing_practice(foreign_pcn, "Y00001", "Elsewhere Surgery")
    worksheet_submit(
        practice=sent,
        quarter=last,
        entries={
            sent_home.pk: LineEntry(opening=4, new_permanent=0, temporary=0, moved_out=0, died=0)
        },
        by=None,
        submitted_at=datetime.datetime.combine(last.due_date, datetime.time(10), LONDON),
    )
    return {
        "today": today,
        "last": last,
        "running": running,
        "commissioner": rotherham,
        "sent": sent,
        "owing": owing,
        "foreign": foreign,
        "officer": f.officer(rotherham, username="olive.officer"),
    }


def _page_practices(html: str) -> set[str]:
    return set(re.findall(r'id="practice-([A-Z0-9]+)"', html))


def _dashboard_missing(scope, quarter, today) -> int:
    figure = submissions(scope, quarter.year, today=today)
    (row,) = [row for row in figure.rows if row[0] == quarter.label]
    return row[-1]


def test_not_submitted_is_one_rule_for_dashboard_homes_outstanding_page_and_export(client, scene):
    today, last, running = scene["today"], scene["last"], scene["running"]
    officer = scene["officer"]
    expected = {"C87002", "C87003"}
    scope = scope_for(officer)

    # The dashboard: the quarter that fell due has two missing; the running one none, not five.
    assert _dashboard_missing(scope, last, today) == 2
    assert _dashboard_missing(scope, running, today) == 0

    # The officer's home: the same two, by name, linking to the outstanding page.
    client.force_login(officer)
    home = client.get(reverse("home")).content.decode()
    owed_url = reverse("outstanding:page", args=["worksheets", last.slug])
    assert f'href="{owed_url}"><strong>2</strong> practices not submitted' in home
    for ods in expected:
        assert f"({ods})" in home
    for ods in ("C87001", "C87004", "Y00001"):
        assert ods not in home
    assert running.label not in home  # the running quarter is not chased

    # The outstanding page: exactly those two.
    page = client.get(owed_url).content.decode()
    assert _page_practices(page) == expected

    # export_claims (all commissioners): the same practices are "missing", with the other's.
    out = io.StringIO()
    call_command("export_claims", quarter=last.label, stdout=out)
    missing = {r["practice_ods"] for r in csv.DictReader(io.StringIO(out.getvalue()))
               if r["status"] == "missing"}  # fmt: skip
    assert missing == expected | {"Y00001"}

    # The running quarter's outstanding page lists nobody: it is not due yet.
    running_page = client.get(
        reverse("outstanding:page", args=["worksheets", running.slug])
    ).content.decode()
    assert _page_practices(running_page) == set()
    assert "Nothing is outstanding until that date has passed" in running_page


def test_a_period_is_missing_only_after_its_due_date(scene):
    """On the due date a worksheet can still come in on time; the day after, it is missing."""
    last = scene["last"]
    owed = worksheets_owed(last.period)
    on_due = set(owed.overdue(last.due_date).values_list("ods_code", flat=True))
    day_after = set(owed.overdue(last.due_date + DAY).values_list("ods_code", flat=True))
    assert on_due == set()
    assert day_after == {"C87002", "C87003", "Y00001"}


def test_chase_emails_the_practice_once_a_day_and_records_it(
    client, scene, django_capture_on_commit_callbacks
):
    last, officer = scene["last"], scene["officer"]
    practice = scene["owing"][0]
    url = reverse("outstanding:chase", args=["worksheets", last.slug, practice.ods_code])
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=False):
        first = client.post(url, follow=True).content.decode()
    assert "chased for the" in first
    notice = Notice.objects.get(kind=Notice.Kind.CHASE)
    assert notice.key == f"chase:{practice.ods_code}:{scene['today'].isoformat()}"
    assert (notice.practice, notice.quarter) == (practice, last)
    assert notice.recipient_list == ["c87002@nhs.net"]
    assert last.label in notice.subject and "days late" in notice.body
    assert reverse("claims:worksheet", args=[practice.ods_code, last.slug]) in notice.body
    event = AuditEvent.objects.get(action="practice_chase")
    assert (event.actor, event.object_id) == (officer, str(notice.pk))
    assert "Chased today" in first  # the button is gone for today

    second = client.post(url, follow=True).content.decode()
    assert "already been chased today" in second
    assert Notice.objects.filter(kind=Notice.Kind.CHASE).count() == 1
    assert AuditEvent.objects.filter(action="practice_chase").count() == 1


def test_chase_again_the_next_day_is_allowed(scene):
    owed, practice, officer = (
        worksheets_owed(scene["last"].period),
        scene["owing"][1],
        scene["officer"],
    )
    today = scene["today"]
    practice_chase(practice=practice, owed=owed, by=officer, today=today)
    with pytest.raises(Exception, match="already been chased today"):
        practice_chase(practice=practice, owed=owed, by=officer, today=today)
    practice_chase(practice=practice, owed=owed, by=officer, today=today + DAY)
    assert Notice.objects.filter(kind=Notice.Kind.CHASE, practice=practice).count() == 2


@pytest.mark.parametrize("who", ["sent", "running"])
def test_chase_refuses_a_practice_that_owes_nothing_overdue_and_writes_nothing(client, scene, who):
    if who == "sent":
        practice, quarter = scene["sent"], scene["last"]
    else:
        practice, quarter = scene["owing"][0], scene["running"]
    client.force_login(scene["officer"])
    page = client.post(
        reverse("outstanding:chase", args=["worksheets", quarter.slug, practice.ods_code]),
        follow=True,
    ).content.decode()
    assert "has nothing overdue" in page
    assert not Notice.objects.filter(kind=Notice.Kind.CHASE).exists()
    assert not AuditEvent.objects.filter(action="practice_chase").exists()


def test_outstanding_page_shows_contacts_days_late_cost_and_emails_sent(client, scene):
    last, today = scene["last"], scene["today"]
    practice = scene["owing"][0]
    Notice.objects.create(
        key=f"late:{last.slug}:{practice.ods_code}", kind=Notice.Kind.LATE, practice=practice,
        quarter=last, subject="Late", body="Late", status=Notice.Status.SENT,
        sent_at=timezone.now(),
    )  # fmt: skip
    client.force_login(scene["officer"])
    page = client.get(reverse("outstanding:page", args=["worksheets", last.slug])).content.decode()
    section = page[page.index(f'id="practice-{practice.ods_code}"') :]
    section = section[: section.index("</section>")]
    assert "c87002@nhs.net" in section
    assert f'<dd class="nhsuk-summary-list__value">{(today - last.due_date).days}</dd>' in section
    assert lateness_cost(last.due_date, today, DEFAULT_BANDS).capitalize()[:12] in section
    assert "Late worksheet notice" in section and ": sent" in section


def test_outstanding_page_unknown_period_is_404(client, scene):
    client.force_login(scene["officer"])
    for kind, slug in (("worksheets", "2019-21-Q2"), ("outcomes", "2019-20-H3"), ("fish", "x")):
        assert client.get(f"/outstanding/{kind}/{slug}/").status_code == 404


def test_outstanding_page_is_paginated(client, scene):
    pcn = scene["owing"][0].pcn
    for n in range(26):
        _owing_practice(pcn, f"C9{n:04d}", f"Zeta Practice {n:02d}")
    client.force_login(scene["officer"])
    url = reverse("outstanding:page", args=["worksheets", scene["last"].slug])
    first, second = (client.get(url, {"page": p}).content.decode() for p in (1, 2))
    assert len(_page_practices(first)) == 25 and len(_page_practices(second)) == 3
    assert "Page 1 of 2" in first
    assert not _page_practices(first) & _page_practices(second)


def test_downloads_hold_every_practice_with_formulas_neutralised(client, scene):
    practice = scene["owing"][0]
    practice.name = '=HYPERLINK("http://evil.example","Click")'
    practice.save()
    client.force_login(scene["officer"])
    args = ["worksheets", scene["last"].slug]
    text = client.get(reverse("outstanding:csv", args=args)).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["Practice ODS code", "Practice"]
    assert {row[0] for row in rows[1:]} == {"C87002", "C87003"}
    (evil,) = [row for row in rows if row[0] == "C87002"]
    assert evil[1].startswith("'=")
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("outstanding:xlsx", args=args)).content)
    )
    cells = {row[0].value: row[1] for row in book.active.iter_rows(min_row=2)}
    assert cells["C87002"].data_type == "s" and cells["C87002"].value.startswith("'=")


@pytest.mark.parametrize(
    ("days_after_due", "words"),
    [
        (-3, "no deduction if sent by 14 October 2026; from 15 October 2026: 5% deducted"),
        (0, "no deduction if sent by 14 October 2026; from 15 October 2026: 5% deducted"),
        (1, "if sent today: 5% deducted; from 22 October 2026: 10% deducted, paid one run later"),
        (7, "if sent today: 5% deducted; from 22 October 2026: 10% deducted, paid one run later"),
        (8, "if sent today: 10% deducted, paid one run later; from 29 October 2026: 50% deducted, paid one run later"),
        (21, "if sent today: 50% deducted, paid one run later; from 5 November 2026: 100% deducted, no payment"),
        (22, "if sent today: 100% deducted, no payment"),
    ],
)  # fmt: skip
def test_lateness_cost_in_words_at_the_band_edges(days_after_due, words):
    due = datetime.date(2026, 10, 14)
    assert lateness_cost(due, due + days_after_due * DAY, DEFAULT_BANDS) == words

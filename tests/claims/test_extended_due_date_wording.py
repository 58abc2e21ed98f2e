"""A commissioner's extended due date (ADR 0043) is the one its practices are shown and counted
from everywhere the default used to be: the practice's quarters page, the practice manager's home
page, the outstanding page and its download, the chase email and the worksheet template.

2019/20 Q2 is due by default on 14 October 2019; commissioner 03L extended it to 21 October. On
30 October a 03L practice that has not sent it is 9 days late (8–14 days: 10% deducted), not 16
(15–21 days: 50%); a 02P practice keeps the default."""

from __future__ import annotations

import csv
import datetime
import html
import io

import pytest
from django.urls import reverse

from claims.periods.services import due_date_extend
from claims.worksheets.services import quarter_for
from core.periods import LONDON, Period
from notices.models import Notice
from tests import factories as f
from tests.claims.template_filling import open_template

Q2 = Period(2019, 2)
DEFAULT = datetime.date(2019, 10, 14)
EXTENDED = datetime.date(2019, 10, 21)
TODAY = datetime.date(2019, 10, 30)  # 9 days after the extended date, 16 after the default
EXTENDED_WORDS = "21 October 2019 (extended by your commissioner from 14 October 2019)"


def at(day, hour=12):
    return datetime.datetime.combine(day, datetime.time(hour), LONDON)


@pytest.fixture
def clock(monkeypatch):
    def set_now(moment):
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
        return moment

    return set_now


def _owing(commissioner, ods_code, name):
    pcn = f.PCNFactory(commissioner=commissioner)
    practice = f.PracticeFactory(pcn=pcn, ods_code=ods_code, name=name)
    f.AgreementFactory(practice=practice)
    f.AlignmentFactory(
        practice=practice,
        care_home__commissioner=commissioner,
        care_home__beds=40,
        start_date=datetime.date(2019, 7, 1),
    )
    f.PracticeContactFactory(practice=practice, email=f"{ods_code.lower()}@nhs.net")
    return practice


@pytest.fixture
def extended(db):
    """03L extended Q2 to 21 October (on 1 October, before the default passed); 02P did not."""
    ours = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    theirs = f.CommissionerFactory(code="02P", name="NHS Barnsley CCG")
    officer = f.officer(ours, username="olive.officer")
    quarter = quarter_for(Q2)
    assert quarter.due_date == DEFAULT
    due_date_extend(
        quarter=quarter,
        commissioner=ours,
        due_date=EXTENDED,
        today=datetime.date(2019, 10, 1),
        by=officer,
        reason="Clinical system outage across the patch",
    )
    return {
        "quarter": quarter,
        "officer": officer,
        "mine": _owing(ours, "C87001", "Aston Surgery"),
        "other": _owing(theirs, "Y00001", "Elsewhere Surgery"),
    }


def _text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_quarters_page_shows_the_extended_date_and_counts_days_late_from_it(
    client, clock, extended
):
    clock(at(TODAY))
    practice = extended["mine"]
    client.force_login(f.practice_manager(practice))
    page = _text(client.get(reverse("claims:practice_quarters", args=[practice.ods_code])))
    assert "21 Oct 2019" in page
    assert "extended by the commissioner from 14 Oct 2019" in page
    assert "9 days late now, heading into 8–14 days late" in page
    assert "16 days late" not in page


def test_quarters_page_says_the_extended_date_before_it_is_due(client, clock, extended):
    clock(at(datetime.date(2019, 10, 16)))  # the default has passed; the extension has not
    practice = extended["mine"]
    client.force_login(f.practice_manager(practice))
    page = _text(client.get(reverse("claims:practice_quarters", args=[practice.ods_code])))
    assert f"Due in 5 days, on {EXTENDED_WORDS}." in page


def test_quarters_page_of_another_commissioners_practice_keeps_the_default(client, clock, extended):
    clock(at(TODAY))
    practice = extended["other"]
    client.force_login(f.practice_manager(practice))
    page = _text(client.get(reverse("claims:practice_quarters", args=[practice.ods_code])))
    assert "14 Oct 2019" in page and "extended by" not in page
    assert "16 days late now" in page


def test_practice_managers_home_says_the_extended_date_and_days_late_from_it(
    client, clock, extended
):
    clock(at(TODAY))
    client.force_login(f.practice_manager(extended["mine"]))
    page = _text(client.get(reverse("home")))
    assert f"was due {EXTENDED_WORDS}: 9 days late" in page
    assert "16 days late" not in page
    assert "from 5 November 2019: 50% deducted" in page  # the next band, from the extended date


def test_outstanding_page_and_download_count_from_each_practices_due_date(client, clock, extended):
    clock(at(TODAY))
    quarter = extended["quarter"]
    administrator = f.administrator(username="admin")
    # The officer sees her commissioner's practices, due on the extended date.
    client.force_login(extended["officer"])
    page = _text(client.get(reverse("outstanding:page", args=["worksheets", quarter.slug])))
    assert f"Due {EXTENDED_WORDS}." in page
    card = page[page.index('id="practice-C87001"') :]
    card = card[: card.index("</section>")]
    assert "21 October 2019 (extended by the commissioner from 14 October 2019)" in card
    assert '<dd class="nhsuk-summary-list__value">9</dd>' in card
    assert "If sent today: 10% deducted" in card
    # Someone who sees every commissioner's: each practice by its own due date.
    client.force_login(administrator)
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(reverse("outstanding:csv", args=["worksheets", quarter.slug]))
                .content.decode()
                .lstrip("\ufeff")
            )
        )
    )
    by_code = {row["Practice ODS code"]: row for row in rows}
    assert (by_code["C87001"]["Due date"], by_code["C87001"]["Days late"]) == ("2019-10-21", "9")
    assert by_code["C87001"]["Lateness now"].startswith("if sent today: 10% deducted")
    assert (by_code["Y00001"]["Due date"], by_code["Y00001"]["Days late"]) == ("2019-10-14", "16")


def test_outstanding_page_before_the_extended_date_says_nothing_is_outstanding_yet(
    client, clock, extended
):
    clock(at(datetime.date(2019, 10, 18)))
    client.force_login(extended["officer"])
    quarter = extended["quarter"]
    page = _text(client.get(reverse("outstanding:page", args=["worksheets", quarter.slug])))
    assert f"are due by {EXTENDED_WORDS}. Nothing is outstanding" in page


def test_chase_email_names_the_extended_date_and_counts_from_it(
    client, clock, extended, django_capture_on_commit_callbacks
):
    clock(at(TODAY))
    quarter, practice = extended["quarter"], extended["mine"]
    client.force_login(extended["officer"])
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("outstanding:chase", args=["worksheets", quarter.slug, "C87001"]))
    notice = Notice.objects.get(kind=Notice.Kind.CHASE, practice=practice)
    assert notice.subject.endswith("due 21 October 2019")
    assert f"was due on {EXTENDED_WORDS} and we have still not received it" in notice.body
    assert "it is 9 days late" in notice.body
    assert "Lateness now: if sent today: 10% deducted" in notice.body
    assert "- submitted from 5 November 2019: 50% deducted" in notice.body


def test_worksheet_template_names_the_extended_date(client, clock, extended):
    clock(at(datetime.date(2019, 10, 2)))
    practice = extended["mine"]
    client.force_login(f.practice_manager(practice))
    quarter = extended["quarter"]
    response = client.get(
        reverse("claims:worksheet_download", args=[practice.ods_code, quarter.slug])
    )
    assert response.status_code == 200
    book = open_template(response.content)
    instructions = "\n".join(str(r[0].value or "") for r in book["Instructions"].iter_rows())
    assert f"due by {EXTENDED_WORDS}." in instructions
    assert book.worksheets[0]["B5"].value.startswith("21 October 2019 (1 July 2019 to")
    assert "extended by your commissioner from 14 October 2019" in book.worksheets[0]["B5"].value


def test_officers_home_names_the_practice_late_from_the_extended_date(client, clock, extended):
    clock(at(TODAY))
    client.force_login(extended["officer"])
    page = _text(client.get(reverse("home")))
    assert "1 practice not submitted" in page.replace("<strong>", "").replace("</strong>", "")
    assert "Aston Surgery (C87001): 9 days late; if sent today: 10% deducted" in page
    assert "Elsewhere Surgery" not in page  # another commissioner's
    assert "16 days late" not in page

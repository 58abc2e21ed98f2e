"""Emails that help: a receipt for every submission (what was submitted, the payment it implies,
when it will be paid), and links straight to the worksheet in the query email and late notices."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from claims.models import Worksheet
from claims.review.services import claim_query, worksheet_resubmit
from claims.worksheets.services import LineEntry, quarter_for
from core.periods import LONDON, Period
from history.models import AuditEvent
from notices.models import Notice
from outcomes.reminders import reminders_run
from tests import factories as f

Q1 = Period(2019, 1)  # due 14 July 2019
D = datetime.date


def at(day, hour=12):
    return datetime.datetime.combine(day, datetime.time(hour), LONDON)


@pytest.fixture
def clock(monkeypatch):
    def set_now(moment):
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
        return moment

    return set_now


@pytest.fixture
def practice(db):
    commissioner = f.CommissionerFactory(code="03L")
    practice = f.PracticeFactory(
        ods_code="C87001", name="Dinnington Group Practice", pcn__commissioner=commissioner
    )
    f.AgreementFactory(practice=practice)
    f.PracticeContactFactory(practice=practice, email="pm@dinnington.nhs.uk")
    return practice


@pytest.fixture
def homes(practice):
    def align(name, cqc):
        home = f.CareHomeFactory(
            name=name, beds=40, cqc_location_id=cqc, commissioner=practice.pcn.commissioner
        )
        f.AlignmentFactory(practice=practice, care_home=home, start_date=D(2019, 4, 1))
        return home

    return align("Oakwood Lodge", "1-101613254"), align("Beech House", "1-102000001")


@pytest.fixture
def manager(practice):
    return f.practice_manager(practice, first_name="Pat", last_name="Manager")


def url(practice, period=Q1):
    return reverse(
        "claims:worksheet", kwargs={"ods_code": practice.ods_code, "quarter": period.slug}
    )


def form_data(homes, figures, action="submit"):
    data = {"action": action}
    names = ("opening", "new_permanent", "temporary", "moved_out", "died", "in_other_home")
    for home, values in zip(homes, figures, strict=True):
        data.update({f"home-{home.pk}-{n}": v for n, v in zip(names, values, strict=True)})
    return data


FIGURES = [(10, 2, 1, 1, 0, 3), (4, 0, 0, 0, 1, 0)]
GROSS = (14 * 60 + 2 * 102 + 60) * 100  # £1,104.00


def test_submission_writes_one_receipt_saying_what_was_submitted_and_when_it_is_paid(
    client,
    manager,
    practice,
    homes,
    clock,
    settings,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    settings.SITE_URL = "https://les.example.nhs.uk"
    client.force_login(manager)
    clock(at(D(2019, 7, 10), 14))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(practice), form_data(homes, FIGURES))
    assert response.status_code == 302
    claim = Worksheet.objects.get()
    event = AuditEvent.objects.get(action="worksheet_submit", object_id=str(claim.pk))
    [notice] = Notice.objects.all()
    assert (notice.key, notice.kind, notice.practice, notice.quarter) == (
        f"receipt:{event.pk}",
        Notice.Kind.RECEIPT,
        practice,
        claim.quarter,
    )
    assert notice.subject == "Received: your 2019/20 Q1 Care Home LES worksheet (C87001)"
    body = notice.body
    assert "submitted on 10 July 2019 at 14:00, UK time, by Pat Manager" in body
    assert "Claim reference C87001-2019-20-Q1." in body
    assert (
        "- Oakwood Lodge (1-101613254): opening 10, new permanent 2, temporary 1, moved out 1, "
        "died 0, in another home (not paid) 3; closing 11" in body
    )
    assert "- Beech House (1-102000001): opening 4," in body
    assert body.index("Beech House") < body.index("Oakwood Lodge")
    assert "- gross £1,104.00\n- submitted on time: no lateness deduction\n- net £1,104.00" in body
    assert "When it will be paid: In the next payment run after approval." in body
    assert (
        "See the worksheet: https://les.example.nhs.uk/practices/C87001/worksheets/2019-20-Q1/"
        in body
    )
    assert claim.gross_pence == GROSS
    [message] = mailoutbox
    assert message.to == ["pm@dinnington.nhs.uk"] and message.subject == notice.subject


def test_late_submission_receipt_names_the_deduction_and_the_deferral(
    client, manager, practice, homes, clock
):
    client.force_login(manager)
    clock(at(D(2019, 7, 23)))  # 9 days late: 10%, paid one run later
    assert client.post(url(practice), form_data(homes, FIGURES)).status_code == 302
    body = Notice.objects.get(kind=Notice.Kind.RECEIPT).body
    assert "- submitted 9 days late (counted from the first submission on 23 July 2019)" in body
    assert "10% deducted, paid one run later: £110.40" in body
    assert "- net £993.60" in body
    assert "When it will be paid: Deferred: in the second payment run after approval." in body


def test_refused_submission_writes_no_receipt(client, manager, practice, homes, clock):
    client.force_login(manager)
    clock(at(D(2019, 7, 10)))
    bad = form_data(homes, [(1, 0, 0, 5, 0, 0), FIGURES[1]])  # more leavers than patients
    assert client.post(url(practice), bad).status_code == 200
    assert not Worksheet.objects.exists()
    assert not Notice.objects.exists()


def test_upload_preview_then_submit_gets_the_receipt_too(client, manager, practice, homes, clock):
    """The upload's preview submits through the form: one receipt, like any submission."""
    client.force_login(manager)
    clock(at(D(2019, 7, 10)))
    client.post(url(practice), form_data(homes, FIGURES, action="check"))  # a check sends nothing
    assert not Notice.objects.exists()
    client.post(url(practice), form_data(homes, FIGURES))
    client.post(url(practice), form_data(homes, FIGURES))  # a second press: already submitted
    assert Notice.objects.filter(kind=Notice.Kind.RECEIPT).count() == 1


def test_bulk_import_sends_no_receipts(db, practice, homes, tmp_path, clock):
    clock(at(D(2019, 8, 1)))
    path = tmp_path / "worksheets.csv"
    header = (
        "practice_ods,quarter,cqc_location_id,opening,new_permanent,temporary,moved_out,died,"
        "in_other_home,submitted_at"
    )
    rows = [f"C87001,2019/20 Q1,{h.cqc_location_id},1,0,0,0,0,0,2019-07-10T12:00:00" for h in homes]
    path.write_text("\n".join([header, *rows]) + "\n")
    call_command("import_worksheets", str(path), stdout=io.StringIO())
    assert Worksheet.objects.count() == 1
    assert not Notice.objects.exists()


def test_resubmission_after_a_query_gets_its_own_receipt_and_the_query_links_to_the_worksheet(
    client, manager, practice, homes, clock, settings
):
    settings.SITE_URL = "https://les.example.nhs.uk"
    link = "https://les.example.nhs.uk/practices/C87001/worksheets/2019-20-Q1/"
    client.force_login(manager)
    clock(at(D(2019, 7, 10)))
    client.post(url(practice), form_data(homes, FIGURES))
    claim = Worksheet.objects.get()
    claim_query(claim=claim, by=f.officer(practice.pcn.commissioner), message="Check deaths")
    query = Notice.objects.get(kind=Notice.Kind.CLAIM)
    assert f"Amend and resubmit it here: {link}" in query.body
    clock(at(D(2019, 7, 20)))
    oakwood, beech = homes
    worksheet_resubmit(
        claim=claim,
        entries={
            oakwood.pk: LineEntry(opening=10, new_permanent=2, temporary=1, moved_out=1, died=1),
            beech.pk: LineEntry(opening=4, new_permanent=0, temporary=0, moved_out=0, died=1),
        },
        by=manager,
        submitted_at=at(D(2019, 7, 20)),
    )
    receipts = Notice.objects.filter(kind=Notice.Kind.RECEIPT).order_by("pk")
    assert receipts.count() == 2
    assert len({r.key for r in receipts}) == 2
    body = receipts.last().body
    assert "resubmitted on 20 July 2019 at 12:00" in body
    assert "- submitted on time" in body  # lateness fixed at the first submission
    assert "opening 10, new permanent 2, temporary 1, moved out 1, died 1" in body


def test_late_notice_links_straight_to_the_worksheet(practice, homes, settings):
    settings.SITE_URL = "https://les.example.nhs.uk"
    quarter = quarter_for(Q1)
    reminders_run(quarter.due_date + datetime.timedelta(days=1))
    late = Notice.objects.get(kind=Notice.Kind.LATE)
    assert (
        "Submit it here: https://les.example.nhs.uk/practices/C87001/worksheets/2019-20-Q1/"
        in late.body
    )

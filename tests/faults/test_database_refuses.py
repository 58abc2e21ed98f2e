"""Fault 3: the database refusing in the middle of an import.

A trigger on the table the import fills refuses one insert partway through (``database.py``): the
statement fails, or the server ends the session. Whichever, nothing of the import is left
(every table has the rows it had before), the officer is told so — a message on the command
line, a page (not a server error) on the web — and trying again once the database is well
imports the file whole."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from claims.models import Worksheet, WorksheetLine
from history.models import AuditEvent
from imports.models import ImportBatch
from practices.models import Practice
from tests import factories as f
from tests.faults.database import refusing, row_counts

pytestmark = pytest.mark.django_db(transaction=True)

HOW = ["raise", "terminate"]
WORKSHEET_COLUMNS = (
    "practice_ods,quarter,cqc_location_id,opening,new_permanent,temporary,moved_out,died,"
    "in_other_home,submitted_at"
)
PRACTICE_COLUMNS = "ods_code,name,pcn_code,pcn_name,commissioner_code,commissioner_name,email"


def csv_file(header, *lines) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


@pytest.fixture
def rotherham():
    """Two practices in the LES: Broom Lane with one home, Clifton with two."""
    commissioner = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    pcn = f.PCNFactory(code="U51663", commissioner=commissioner)
    for ods, homes in [("C87001", ["1-101613254"]), ("C87002", ["1-101613301", "1-102245871"])]:
        practice = f.PracticeFactory(ods_code=ods, pcn=pcn)
        f.AgreementFactory(practice=practice)
        for cqc in homes:
            home = f.CareHomeFactory(cqc_location_id=cqc, beds=40, commissioner=commissioner)
            f.AlignmentFactory(care_home=home, practice=practice)
    return commissioner


# Two quarters of three lines (four worksheets); the second quarter carries its openings forward.
WORKSHEETS = csv_file(
    WORKSHEET_COLUMNS,
    "C87001,2019/20 Q1,1-101613254,10,2,1,1,1,0,2019-07-10T10:00:00",
    "C87002,2019/20 Q1,1-101613301,8,1,0,0,1,0,2019-07-11T09:30:00",
    "C87002,2019/20 Q1,1-102245871,5,0,0,1,0,0,2019-07-11T09:30:00",
    "C87001,2019/20 Q2,1-101613254,,1,0,0,0,0,2019-10-09T10:00:00",
    "C87002,2019/20 Q2,1-101613301,,0,0,0,0,0,2019-10-10T12:00:00",
    "C87002,2019/20 Q2,1-102245871,,2,0,0,0,0,2019-10-10T12:00:00",
)
LINES = 6  # inserted by each pass over the file


def _import_command(tmp_path) -> str:
    path = tmp_path / "worksheets.csv"
    path.write_bytes(WORKSHEETS)
    out = io.StringIO()
    call_command("import_worksheets", str(path), stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("how", HOW)
def test_import_worksheets_refused_midway_writes_nothing_and_says_so(rotherham, tmp_path, how):
    before = row_counts()
    # The command checks and writes in one pass: the 4th line is the second quarter's first,
    # after three worksheets' lines are written in its transaction.
    with refusing(WorksheetLine, on_insert=4, how=how) as fault:
        with pytest.raises(CommandError) as refused:
            _import_command(tmp_path)
        assert fault.inserts == 4
    assert "nothing was imported" in str(refused.value)
    assert row_counts() == before

    assert "Worksheets: 4 created." in _import_command(tmp_path)  # once the database is well
    assert (Worksheet.objects.count(), WorksheetLine.objects.count()) == (4, LINES)


def _upload(client, kind, content) -> ImportBatch:
    response = client.post(
        reverse("imports:upload"), {"kind": kind, "file": SimpleUploadedFile("f.csv", content)}
    )
    assert response.status_code == 302
    return ImportBatch.objects.latest("pk")


def _refused_page(response, batch):
    assert response.status_code == 503
    html = response.content.decode()
    assert "nhsuk-error-summary" in html
    assert "nothing was imported" in html
    assert 'action="{}"'.format(reverse("imports:confirm", args=[batch.pk])) in html  # try again
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED


@pytest.mark.parametrize("how", HOW)
def test_web_worksheet_import_refused_at_confirm_writes_nothing_and_shows_a_message(
    rotherham, client, how
):
    client.force_login(f.officer(rotherham))
    batch = _upload(client, "worksheets", WORKSHEETS)
    before = row_counts()
    # Confirming checks the file again (six lines written and rolled back in a savepoint), then
    # applies it: the 10th insert is the 4th line applied, three worksheets' lines in.
    with refusing(WorksheetLine, on_insert=LINES + 4, how=how) as fault:
        response = client.post(reverse("imports:confirm", args=[batch.pk]))
        assert fault.fired
    _refused_page(response, batch)
    assert row_counts() == before

    response = client.post(reverse("imports:confirm", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert (Worksheet.objects.count(), WorksheetLine.objects.count()) == (4, LINES)


@pytest.mark.parametrize("how", HOW)
def test_web_registry_import_refused_at_confirm_writes_nothing_and_shows_a_message(
    rotherham, client, how
):
    client.force_login(f.officer(rotherham))
    practices = csv_file(
        PRACTICE_COLUMNS,
        *(
            f"C8710{n},Practice {n},U51700,Rotherham South PCN,03L,NHS Rotherham CCG,"
            f"manager@c8710{n}.nhs.uk"
            for n in range(1, 5)
        ),
    )
    batch = _upload(client, "practices", practices)
    before = row_counts()
    with refusing(Practice, on_insert=3, how=how) as fault:  # two practices (and a PCN) in
        response = client.post(reverse("imports:confirm", args=[batch.pk]))
        assert fault.fired
    _refused_page(response, batch)
    assert row_counts() == before
    assert not AuditEvent.objects.filter(action__startswith="import").exists()

    response = client.post(reverse("imports:confirm", args=[batch.pk]))
    assert response.status_code == 302
    assert Practice.objects.filter(ods_code__startswith="C8710").count() == 4

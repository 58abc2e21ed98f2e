"""The worksheet as a file: downloaded (its text made safe), uploaded filled in in the SPEC §10
machine layout (.xlsx or CSV), previewed, then submitted with the same result as the web form. The
template a person fills in is tested in test_worksheet_template.py."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from claims.models import Quarter, Worksheet
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from claims.worksheets.xlsx import TEMPLATE
from core.periods import LONDON, Period
from core.text import safe_text
from tests import factories as f

Q1, Q2 = Period(2019, 1), Period(2019, 2)
HEADER = [
    "practice_ods", "quarter", "cqc_location_id", "opening", "new_permanent", "temporary",
    "moved_out", "died", "in_other_home", "submitted_at",
]  # fmt: skip


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
    practice = f.PracticeFactory(ods_code="C87001", name="Dinnington Group Practice")
    f.AgreementFactory(practice=practice)
    return practice


def align(practice, name, beds=40, cqc=None):
    home = f.CareHomeFactory(name=name, beds=beds, **({"cqc_location_id": cqc} if cqc else {}))
    f.AlignmentFactory(practice=practice, care_home=home, start_date=datetime.date(2019, 4, 1))
    return home


@pytest.fixture
def homes(practice):
    return align(practice, "Oakwood Lodge", cqc="1-101613254"), align(
        practice, "Beech House", cqc="1-102000001"
    )


@pytest.fixture
def manager(practice):
    return f.practice_manager(practice)


def url(practice, period, name):
    slug = period.label.replace("/", "-").replace(" ", "-")
    return reverse(f"claims:{name}", kwargs={"ods_code": practice.ods_code, "quarter": slug})


def workbook(response):
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return openpyxl.load_workbook(io.BytesIO(response.content))


def rows_of(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def xlsx_file(rows, name="worksheet.xlsx"):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def csv_file(rows, name="worksheet.csv"):
    text = "\n".join(",".join("" if v is None else str(v) for v in row) for row in rows)
    return SimpleUploadedFile(name, ("\ufeff" + text + "\n").encode())


# -- download ---------------------------------------------------------------------------------


def test_download_neutralises_formula_like_text(client, manager, practice, clock):
    align(practice, '=HYPERLINK("http://evil.example","Click")')
    align(practice, "-Riverside")
    align(practice, "@Home")
    align(practice, "+Plus House")
    client.force_login(manager)
    clock(at(datetime.date(2019, 7, 2)))
    book = workbook(client.get(url(practice, Q1, "worksheet_download")))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    # The one formula is the closing the template works out (tests/claims/test_worksheet_template.py).
    closing = TEMPLATE.columns.index("closing") + 1
    assert {c.value for c in cells if c.data_type == "f"} == {
        f"=D{c.row}+E{c.row}-G{c.row}-H{c.row}" for c in cells if c.data_type == "f"
    }
    assert all(c.column == closing for c in cells if c.data_type == "f")
    cells = [c for c in cells if c.data_type != "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t[0] in "=+-@"]
    assert '\'=HYPERLINK("http://evil.example","Click")' in texts
    assert {"'-Riverside", "'@Home", "'+Plus House"} <= set(texts)


def test_safe_text_leaves_ordinary_text_and_numbers_alone():
    assert safe_text("Oakwood Lodge") == "Oakwood Lodge"
    assert safe_text("1-101613254") == "1-101613254"
    assert safe_text(-3) == -3
    assert safe_text("=1+1") == "'=1+1"


# -- upload ----------------------------------------------------------------------------------


def filled(practice, homes, figures, period=Q1):
    """The worksheet's rows: ``figures`` per home are (opening, new, temporary, moved, died, other)."""
    return [HEADER] + [
        [practice.ods_code, period.label, home.cqc_location_id, *values, "2001-01-01T00:00:00"]
        for home, values in zip(homes, figures, strict=True)
    ]


def test_form_upload_and_import_give_identical_figures_in_export_claims(
    db, client, clock, tmp_path
):
    """Three practices with the same homes and numbers: one types them into the form, one uploads
    them, and the CCG bulk-loads the third with ``import_worksheets`` at the same moment."""
    by_form, by_upload = f.PracticeFactory(ods_code="C87001"), f.PracticeFactory(ods_code="C87002")
    by_import = f.PracticeFactory(ods_code="C87003")
    numbers = [(10, 2, 1, 1, 0, 3), (5, 0, 2, 0, 1, 0)]
    homes = {}
    for practice in (by_form, by_upload, by_import):
        f.AgreementFactory(practice=practice)
        homes[practice] = [align(practice, "Oakwood Lodge"), align(practice, "Beech House")]
    client.force_login(f.practice_manager(by_form, by_upload))
    clock(at(datetime.date(2019, 7, 18)))  # 4 days late

    data = {"action": "submit"}
    names = ("opening", "new_permanent", "temporary", "moved_out", "died", "in_other_home")
    for home, values in zip(homes[by_form], numbers, strict=True):
        data.update({f"home-{home.pk}-{n}": v for n, v in zip(names, values, strict=True)})
    assert client.post(url(by_form, Q1, "worksheet"), data).status_code == 302

    upload = xlsx_file(filled(by_upload, homes[by_upload], numbers))
    preview = client.post(url(by_upload, Q1, "worksheet_upload"), {"file": upload})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "Check the uploaded 2019/20 Q1 worksheet" in text
    assert "4 days late if submitted today" in text
    assert not Worksheet.objects.filter(practice=by_upload).exists()
    # The preview posts the figures back as hidden inputs; the form reads and checks them again.
    hidden = {
        name: value
        for name, value in _hidden_inputs(text)
        if name.startswith("home-") or name == "csrfmiddlewaretoken"
    }
    assert (
        client.post(url(by_upload, Q1, "worksheet"), {**hidden, "action": "submit"}).status_code
        == 302
    )

    bulk = tmp_path / "worksheets.csv"
    bulk.write_text(
        "\n".join(
            ",".join(str(v) for v in row)
            for row in [HEADER]
            + [
                ["C87003", "2019/20 Q1", home.cqc_location_id, *values, "2019-07-18T12:00:00"]
                for home, values in zip(homes[by_import], numbers, strict=True)
            ]
        )
    )
    call_command("import_worksheets", str(bulk), stdout=io.StringIO())

    out = io.StringIO()
    call_command("export_claims", "--quarter", "2019/20 Q1", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[1].split(",")[1:] == lines[2].split(",")[1:] == lines[3].split(",")[1:]
    assert lines[1].startswith("C87001,2019/20 Q1,submitted,15,2,3,15,")


def _hidden_inputs(html):
    import re

    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)


def test_upload_ignores_submitted_at_and_accepts_csv(client, manager, practice, homes, clock):
    client.force_login(manager)
    clock(at(datetime.date(2019, 7, 10)))
    upload = csv_file(filled(practice, homes, [(1, 0, 0, 0, 0, 0), (2, 0, 0, 0, 0, 0)]))
    response = client.post(url(practice, Q1, "worksheet_upload"), {"file": upload})
    text = response.content.decode()
    assert "There is a problem" not in text
    assert "On time" in text  # submitted_at in the file is 2001: it is not the submission
    assert not Worksheet.objects.exists()


def test_upload_bad_rows_are_named_by_row_column_and_home_and_nothing_is_written(
    client, manager, practice, homes, clock
):
    oakwood, beech = homes
    client.force_login(manager)
    clock(at(datetime.date(2019, 7, 10)))
    rows = filled(practice, homes, [(3, 1, 0, 5, 0, 0), (2, "x", 0, 0, 0, 0)])
    rows.append(["C87002", "2019/20 Q1", "1-103000000", 1, 0, 0, 0, 0, 0, ""])
    rows.append(["C87001", "2019/20 Q2", oakwood.cqc_location_id, 1, 0, 0, 0, 0, 0, ""])
    response = client.post(url(practice, Q1, "worksheet_upload"), {"file": xlsx_file(rows)})
    assert response.status_code == 200
    text = response.content.decode()
    assert "<title>Error: " in text
    problems = _problem_rows(text)
    assert ["2", "moved_out", "Oakwood Lodge"] == problems[0][:3]
    assert "moved out (5) plus died (0) cannot be more than opening (3)" in problems[0][3]
    assert ["3", "new_permanent", "Beech House", "&#x27;x&#x27; is not a whole number."] in problems
    assert ["4", "practice_ods", "—"] == problems[2][:3]
    assert "this worksheet is for C87001 (Dinnington Group Practice) only" in problems[2][3]
    assert ["4", "cqc_location_id", "—"] == problems[3][:3]
    assert ["5", "quarter", "Oakwood Lodge"] == problems[4][:3]
    assert problems[5][:3] == ["5", "cqc_location_id", "Oakwood Lodge"]
    assert "1-101613254 is already on row 2" in problems[5][3]
    assert not Worksheet.objects.exists()
    assert not Quarter.objects.exists()


def _problem_rows(html):
    import re

    table = html.split('id="problems"')[1].split("</table>")[0]
    body = table.split("<tbody")[1]
    return [
        re.findall(r'<td class="nhsuk-table__cell">(.*?)</td>', row, re.S)
        for row in body.split("</tr>")
        if "<td" in row
    ]


def test_upload_missing_home_and_wrong_carried_opening_are_reported(
    client, manager, practice, homes, clock
):
    oakwood, beech = homes
    worksheet_submit(
        practice=practice,
        quarter=quarter_for(Q1),
        entries={
            oakwood.pk: LineEntry(opening=10, new_permanent=0, temporary=0, moved_out=0, died=0),
            beech.pk: LineEntry(opening=4, new_permanent=0, temporary=0, moved_out=0, died=0),
        },
        by=None,
        submitted_at=at(datetime.date(2019, 7, 10)),
    )
    client.force_login(manager)
    clock(at(datetime.date(2019, 10, 2)))
    rows = filled(practice, [oakwood], [(12, 0, 0, 0, 0, 0)], period=Q2)
    text = client.post(url(practice, Q2, "worksheet_upload"), {"file": xlsx_file(rows)})
    problems = _problem_rows(text.content.decode())
    assert problems[0][:3] == ["Whole worksheet", "cqc_location_id", "Beech House"]
    assert problems[1][:3] == ["2", "opening", "Oakwood Lodge"]
    assert "must be 10, the closing figure carried forward from 2019/20 Q1" in problems[1][3]
    assert Worksheet.objects.count() == 1


def test_upload_figure_too_large_to_be_real_is_refused(client, manager, practice, homes, clock):
    client.force_login(manager)
    clock(at(datetime.date(2019, 7, 10)))
    rows = filled(practice, homes, [(1, 0, 0, 0, 0, 0), (2, 0, 99999999999, 0, 0, 0)])
    response = client.post(url(practice, Q1, "worksheet_upload"), {"file": xlsx_file(rows)})
    problems = _problem_rows(response.content.decode())
    assert problems == [
        ["3", "temporary", "Beech House", "99999999999 is too large: it must be at most 999."]
    ]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"PK\x03\x04 not really a workbook", "worksheet.xlsx", "not a valid .xlsx workbook"),
        (b"practice_ods,quarter\nC87001,2019/20 Q1\n", "worksheet.csv", "missing columns"),
        (b"\xff\xfe\x00bad", "worksheet.csv", "not UTF-8"),
        (b"anything", "worksheet.pdf", "must be a CSV file (.csv) or an Excel workbook (.xlsx)"),
        (b"", "worksheet.csv", "The file is empty"),
    ],
)
def test_upload_of_a_bad_file_says_why_and_writes_nothing(
    client, manager, practice, homes, clock, content, name, message
):
    client.force_login(manager)
    clock(at(datetime.date(2019, 7, 10)))
    response = client.post(
        url(practice, Q1, "worksheet_upload"), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Worksheet.objects.exists()


def test_upload_larger_than_the_limit_is_refused(client, manager, practice, homes, clock, settings):
    settings.IMPORT_MAX_BYTES = 100
    client.force_login(manager)
    clock(at(datetime.date(2019, 7, 10)))
    upload = csv_file(filled(practice, homes, [(1, 0, 0, 0, 0, 0), (2, 0, 0, 0, 0, 0)]))
    response = client.post(url(practice, Q1, "worksheet_upload"), {"file": upload})
    assert "the largest accepted is 100" in response.content.decode()


def test_officers_cannot_upload(client, practice, homes, clock):
    client.force_login(f.officer(practice.pcn.commissioner))
    clock(at(datetime.date(2019, 7, 10)))
    upload = csv_file(filled(practice, homes, [(1, 0, 0, 0, 0, 0), (2, 0, 0, 0, 0, 0)]))
    assert client.post(url(practice, Q1, "worksheet_upload"), {"file": upload}).status_code == 403
    assert client.get(url(practice, Q1, "worksheet_upload")).status_code == 403


def test_upload_after_submission_is_turned_away(client, manager, practice, homes, clock):
    oakwood, beech = homes
    worksheet_submit(
        practice=practice,
        quarter=quarter_for(Q1),
        entries={
            oakwood.pk: LineEntry(opening=1, new_permanent=0, temporary=0, moved_out=0, died=0),
            beech.pk: LineEntry(opening=1, new_permanent=0, temporary=0, moved_out=0, died=0),
        },
        by=None,
        submitted_at=at(datetime.date(2019, 7, 10)),
    )
    client.force_login(manager)
    clock(at(datetime.date(2019, 7, 11)))
    upload = csv_file(filled(practice, homes, [(5, 0, 0, 0, 0, 0), (5, 0, 0, 0, 0, 0)]))
    response = client.post(url(practice, Q1, "worksheet_upload"), {"file": upload})
    assert response.status_code == 302
    assert Worksheet.objects.get().lines.first().opening == 1

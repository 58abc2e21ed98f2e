"""The worksheet template a person fills in: plain-English headings, the home's name and CQC ID on
every row, the figures pre-filled exactly as the web form's, the closing as a formula, locked cells
for what the practice may not change, whole-number validation, an instructions sheet; and its
upload, read back to the same preview as the form, with problems named by row and column."""

import datetime
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims.models import Quarter, Worksheet
from claims.rules import MAX_COUNT
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from claims.worksheets.xlsx import HEADINGS, TEMPLATE
from core.periods import LONDON, Period
from tests import factories as f
from tests.claims.template_filling import column_of, home_rows, open_template, type_figures

Q1, Q2 = Period(2019, 1), Period(2019, 2)
D = datetime.date
OTHER = HEADINGS["in_other_home"]
NEW, TEMPORARY = HEADINGS["new_permanent"], HEADINGS["temporary"]
MOVED, DIED, OPENING = HEADINGS["moved_out"], HEADINGS["died"], HEADINGS["opening"]


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


SCHEME_Q1 = D(2019, 4, 1)


def align(practice, name, beds=40, cqc=None, start=SCHEME_Q1):
    home = f.CareHomeFactory(name=name, beds=beds, **({"cqc_location_id": cqc} if cqc else {}))
    f.AlignmentFactory(practice=practice, care_home=home, start_date=start)
    return home


@pytest.fixture
def homes(practice):
    """Oakwood has a Q1 line (its Q2 opening carries forward: 11); Cedar Court starts in Q2."""
    oakwood = align(practice, "Oakwood Lodge", cqc="1-101613254")
    worksheet_submit(
        practice=practice,
        quarter=quarter_for(Q1),
        entries={
            oakwood.pk: LineEntry(opening=10, new_permanent=2, temporary=0, moved_out=1, died=0)
        },
        by=None,
        submitted_at=at(D(2019, 7, 10)),
    )
    cedar = align(practice, "Cedar Court", beds=12, cqc="1-102000001", start=D(2019, 7, 1))
    return oakwood, cedar


@pytest.fixture
def manager(practice):
    return f.practice_manager(practice)


def url(practice, period, name="worksheet"):
    return reverse(f"claims:{name}", kwargs={"ods_code": practice.ods_code, "quarter": period.slug})


def download(client, practice, period=Q2):
    response = client.get(url(practice, period, "worksheet_download"))
    assert response.status_code == 200
    return response.content


def cells_by_heading(sheet, row):
    return {
        HEADINGS[name]: sheet.cell(row=row, column=i).value
        for i, name in enumerate(TEMPLATE.columns, start=1)
    }


# -- the workbook -----------------------------------------------------------------------------


def test_template_has_plain_headings_and_the_home_on_every_row(
    client, manager, practice, homes, clock
):
    oakwood, cedar = homes
    f.AlignmentFactory(practice=practice, care_home__category="learning_disability")
    client.force_login(manager)
    clock(at(D(2019, 10, 2)))
    book = open_template(download(client, practice))
    assert book.sheetnames == ["Worksheet", "Instructions"]
    sheet = book["Worksheet"]
    assert [c.value for c in sheet[TEMPLATE.heading_row]] == [
        "Care home",
        "CQC location ID",
        "Registered beds",
        "Patients at the start of the quarter",
        "New permanent patients",
        "Temporary patients",
        "Patients who moved out",
        "Patients who died",
        "Patients living in another care home (not paid)",
        "Patients at the end of the quarter (closing)",
    ]
    assert (sheet["B3"].value, sheet["B4"].value) == ("C87001", "2019/20 Q2")
    assert sheet["B2"].value == "Dinnington Group Practice"
    rows = home_rows(sheet)
    assert list(rows) == ["Cedar Court", "Oakwood Lodge"]  # by name; no learning-disability home
    cedar_row = cells_by_heading(sheet, rows["Cedar Court"])
    oak_row = cells_by_heading(sheet, rows["Oakwood Lodge"])
    assert (cedar_row["CQC location ID"], cedar_row["Registered beds"]) == ("1-102000001", 12)
    assert oak_row["CQC location ID"] == "1-101613254"
    assert oak_row[OPENING] == 11  # carried forward: 10 + 2 - 1
    assert cedar_row[OPENING] is None  # its first quarter: a baseline to enter
    assert oak_row[OTHER] == cedar_row[OTHER] == 0  # "In another home" starts at 0
    assert oak_row[NEW] is None  # no register: typed by the practice, as on the form
    every_text = [c.value for s in book.worksheets for r in s.iter_rows() for c in r if c.value]
    assert not [t for t in every_text if isinstance(t, str) and "submitted_at" in t]


def test_template_closing_is_a_formula_of_the_row(client, manager, practice, homes, clock):
    client.force_login(manager)
    clock(at(D(2019, 10, 2)))
    sheet = open_template(download(client, practice))["Worksheet"]
    closing = TEMPLATE.columns.index("closing") + 1
    for row in home_rows(sheet).values():
        assert sheet.cell(row=row, column=closing).value == f"=D{row}+E{row}-G{row}-H{row}"
    # D, E, G, H are opening, new permanent, moved out and died (SPEC §4's carry-forward).
    assert [HEADINGS[TEMPLATE.columns[ord(x) - ord("A")]] for x in "DEGH"] == [
        OPENING,
        NEW,
        MOVED,
        DIED,
    ]


def test_template_locks_what_the_practice_may_not_change(client, manager, practice, homes, clock):
    client.force_login(manager)
    clock(at(D(2019, 10, 2)))
    sheet = open_template(download(client, practice))["Worksheet"]
    assert sheet.protection.sheet is True
    assert not sheet.protection.password  # no password: a guard against slips (ADR 0026)
    rows = home_rows(sheet)

    def unlocked(home):
        return {
            HEADINGS[name]
            for i, name in enumerate(TEMPLATE.columns, start=1)
            if not sheet.cell(row=rows[home], column=i).protection.locked
        }

    counts = {NEW, TEMPORARY, MOVED, DIED, OTHER}
    assert unlocked("Oakwood Lodge") == counts  # its opening is carried forward
    assert unlocked("Cedar Court") == counts | {OPENING}  # a baseline
    assert sheet["A1"].protection.locked and sheet["B3"].protection.locked
    below = max(rows.values()) + 1  # no room to add a home: it would not be aligned
    assert sheet.cell(row=below, column=column_of(NEW)).protection.locked


def test_template_validates_whole_numbers_on_every_cell_the_practice_fills(
    client, manager, practice, homes, clock
):
    client.force_login(manager)
    clock(at(D(2019, 10, 2)))
    sheet = open_template(download(client, practice))["Worksheet"]
    [rule] = sheet.data_validations.dataValidation
    assert (rule.type, rule.operator) == ("whole", "between")
    assert (rule.formula1, rule.formula2) == ("0", str(MAX_COUNT))
    assert rule.showErrorMessage
    covered = {
        sheet.cell(row=row, column=column).coordinate
        for rng in rule.sqref.ranges
        for row, column in rng.cells
    }
    open_cells = {cell for row in sheet.iter_rows() for cell in row if not cell.protection.locked}
    assert covered == {c.coordinate for c in open_cells}
    assert len(covered) == 11  # five counts for each home, and Cedar Court's baseline opening


def test_template_has_instructions_naming_the_due_date_and_the_hint(
    client, manager, practice, homes, clock
):
    client.force_login(manager)
    clock(at(D(2019, 10, 2)))
    sheet = open_template(download(client, practice))["Instructions"]
    text = "\n".join(str(r[0].value or "") for r in sheet.iter_rows())
    assert "due by 14 October 2019" in text
    assert "white cells" in text and "Upload a filled-in worksheet" in text
    assert "not paid and not carried forward" in text


def test_template_prefill_equals_the_forms(client, practice, clock):
    """With a care-home register, the form starts with its figures: the spreadsheet starts with
    exactly the same ones, home by home and figure by figure."""
    q1, q2 = Period(2026, 1), Period(2026, 2)
    oakwood = align(practice, "Oakwood Lodge", start=D(2026, 4, 1))
    cedar = align(practice, "Cedar Court", beds=12, start=D(2026, 7, 1))
    quarter = quarter_for(q1)
    worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={
            oakwood.pk: LineEntry(opening=1, new_permanent=0, temporary=0, moved_out=0, died=0)
        },
        by=None,
        submitted_at=at(quarter.due_date),
    )
    for home, admitted, kind in [
        (oakwood, D(2026, 1, 5), "permanent"),
        (oakwood, D(2026, 8, 1), "permanent"),
        (oakwood, D(2026, 7, 9), "temporary"),
        (cedar, D(2026, 6, 1), "permanent"),
        (cedar, D(2026, 9, 1), "permanent"),
    ]:
        f.ResidentFactory(practice=practice, care_home=home, admitted_on=admitted, kind=kind)
    client.force_login(f.practice_manager(practice))
    clock(at(D(2026, 10, 2)))
    page = client.get(url(practice, q2))
    html = page.content.decode()
    sheet = open_template(download(client, practice, q2))["Worksheet"]
    rows = home_rows(sheet)
    compared = 0
    for home in (oakwood, cedar):
        for name in ("opening", "new_permanent", "temporary", "moved_out", "died", "in_other_home"):
            found = re.search(rf'name="home-{home.pk}-{name}"[^>]*?value="([^"]*)"', html)
            cell = sheet.cell(row=rows[home.name], column=TEMPLATE.columns.index(name) + 1)
            if found is None:  # no input: the carried-forward opening, shown, not typed
                assert name == "opening" and home == oakwood
                assert cell.value == 1 and cell.protection.locked
                continue
            assert cell.value == int(found.group(1)), (home.name, name)
            compared += 1
    assert compared == 11
    # The register's figures, to be sure the comparison was not of blanks.
    assert cells_by_heading(sheet, rows["Oakwood Lodge"])[NEW] == 1
    assert cells_by_heading(sheet, rows["Oakwood Lodge"])[TEMPORARY] == 1
    assert cells_by_heading(sheet, rows["Cedar Court"])[OPENING] == 1  # baseline from the register


def test_template_of_a_submitted_worksheet_has_its_figures_all_locked(
    client, practice, homes, clock
):
    oakwood, cedar = homes
    worksheet_submit(
        practice=practice,
        quarter=quarter_for(Q2),
        entries={
            oakwood.pk: LineEntry(
                new_permanent=1, temporary=2, moved_out=0, died=1, in_other_home=3
            ),
            cedar.pk: LineEntry(opening=5, new_permanent=0, temporary=0, moved_out=0, died=0),
        },
        by=None,
        submitted_at=at(D(2019, 10, 10), 14),
    )
    client.force_login(f.auditor(practice.pcn.commissioner))
    clock(at(D(2019, 11, 1)))
    book = open_template(download(client, practice))
    sheet = book["Worksheet"]
    row = cells_by_heading(sheet, home_rows(sheet)["Oakwood Lodge"])
    assert [row[h] for h in (OPENING, NEW, TEMPORARY, MOVED, DIED, OTHER)] == [11, 1, 2, 0, 1, 3]
    assert all(c.protection.locked for r in sheet.iter_rows() for c in r)
    instructions = " ".join(str(r[0].value) for r in book["Instructions"].iter_rows())
    assert "submitted on 10 October 2019 at 14:00" in instructions


# -- uploading it back --------------------------------------------------------------------------


def upload(client, practice, content, name="worksheet-C87001-2019-20-Q2.xlsx", period=Q2):
    return client.post(
        url(practice, period, "worksheet_upload"), {"file": SimpleUploadedFile(name, content)}
    )


def problem_rows(html):
    table = html.split('id="problems"')[1].split("</table>")[0]
    return [
        re.findall(r'<td class="nhsuk-table__cell">(.*?)</td>', row, re.S)
        for row in table.split("<tbody")[1].split("</tr>")
        if "<td" in row
    ]


def hidden_inputs(html):
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)


FILLED = {
    "Oakwood Lodge": {NEW: 2, TEMPORARY: 1, MOVED: 0, DIED: 1},  # "In another home" left at 0
    "Cedar Court": {OPENING: 9, NEW: 3, TEMPORARY: 0, MOVED: 0, DIED: 0, OTHER: 1},
}


def test_filled_template_uploads_to_the_forms_preview_and_submits_the_same_figures(
    client, manager, practice, homes, clock
):
    oakwood, cedar = homes
    client.force_login(manager)
    clock(at(D(2019, 10, 10)))
    content = type_figures(download(client, practice), FILLED)
    preview = upload(client, practice, content)
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "There is a problem" not in text
    assert "Check the uploaded 2019/20 Q2 worksheet" in text
    gross = 11 * 60 + 2 * 102 + 60 + 9 * 60 + 3 * 102
    assert f"£{gross:,}.00" in text
    assert not Worksheet.objects.filter(quarter__number=2).exists()
    hidden = dict(hidden_inputs(text))
    assert hidden[f"home-{oakwood.pk}-in_other_home"] == "0"
    assert hidden[f"home-{cedar.pk}-opening"] == "9"
    # The same preview page as the form's: it posts the figures back to the form to submit.
    response = client.post(url(practice, Q2), {**hidden, "action": "submit"})
    assert response.status_code == 302
    claim = Worksheet.objects.get(quarter__number=2, quarter__year=2019)
    lines = {line.care_home.name: line for line in claim.lines.all()}
    oak, ced = lines["Oakwood Lodge"], lines["Cedar Court"]
    assert (oak.opening, oak.new_permanent, oak.temporary, oak.died, oak.in_other_home) == (
        11, 2, 1, 1, 0,
    )  # fmt: skip
    assert (ced.opening, ced.new_permanent, ced.in_other_home) == (9, 3, 1)
    assert claim.gross_pence == gross * 100


def test_filled_template_saved_as_csv_is_read_too(client, manager, practice, homes, clock):
    client.force_login(manager)
    clock(at(D(2019, 10, 10)))
    sheet = open_template(type_figures(download(client, practice), FILLED))["Worksheet"]
    lines = []
    for row in sheet.iter_rows(values_only=True):
        lines.append(",".join("" if v is None else str(v) for v in row))
    response = upload(client, practice, "\n".join(lines).encode(), name="worksheet.csv")
    text = response.content.decode()
    assert "There is a problem" not in text
    assert "Check the uploaded 2019/20 Q2 worksheet" in text


def test_template_problems_name_the_row_the_column_and_the_home_and_write_nothing(
    client, manager, practice, homes, clock
):
    client.force_login(manager)
    clock(at(D(2019, 10, 10)))
    content = type_figures(
        download(client, practice),
        {
            "Oakwood Lodge": {NEW: "two", TEMPORARY: 1, MOVED: 0, DIED: 1},
            "Cedar Court": {OPENING: 1, NEW: 0, TEMPORARY: None, MOVED: 2, DIED: 0},
        },
    )
    response = upload(client, practice, content)
    text = response.content.decode()
    assert "<title>Error: " in text
    rows = home_rows(open_template(content)["Worksheet"])
    cedar, oak = str(rows["Cedar Court"]), str(rows["Oakwood Lodge"])
    assert problem_rows(text) == [
        [cedar, "F (Temporary patients)", "Cedar Court", "is blank: enter a number (0 if none)."],
        [
            oak,
            "E (New permanent patients)",
            "Oakwood Lodge",
            "&#x27;two&#x27; is not a whole number.",
        ],
    ]
    assert not Worksheet.objects.filter(quarter__number=2).exists()
    assert Quarter.objects.filter(number=2).count() == 0


def test_template_rule_problems_are_put_on_the_homes_row(client, manager, practice, homes, clock):
    client.force_login(manager)
    clock(at(D(2019, 10, 10)))
    content = type_figures(
        download(client, practice),
        {**FILLED, "Cedar Court": {OPENING: 1, NEW: 0, TEMPORARY: 0, MOVED: 2, DIED: 0}},
    )
    problems = problem_rows(upload(client, practice, content).content.decode())
    row = str(home_rows(open_template(content)["Worksheet"])["Cedar Court"])
    assert problems[0][:3] == [row, "G (Patients who moved out)", "Cedar Court"]
    assert "cannot be more than opening (1)" in problems[0][3]


def test_template_of_another_practice_or_quarter_is_refused_by_its_cell(
    client, manager, practice, homes, clock
):
    client.force_login(manager)
    clock(at(D(2019, 10, 10)))
    book = open_template(type_figures(download(client, practice), FILLED))
    book["Worksheet"]["B3"] = "C87002"
    book["Worksheet"]["B4"] = "2019/20 Q1"
    out = io.BytesIO()
    book.save(out)
    problems = problem_rows(upload(client, practice, out.getvalue()).content.decode())
    assert problems[0][:2] == ["3", "B (ODS code)"]
    assert "this worksheet is for C87001 (Dinnington Group Practice) only" in problems[0][3]
    assert problems[1][:2] == ["4", "B (Quarter)"]
    assert "is 2019/20 Q1: this worksheet is for 2019/20 Q2 only" in problems[1][3]
    assert not Worksheet.objects.filter(quarter__number=2).exists()


def test_template_with_a_changed_heading_is_refused_not_misread(
    client, manager, practice, homes, clock
):
    client.force_login(manager)
    clock(at(D(2019, 10, 10)))
    book = open_template(type_figures(download(client, practice), FILLED))
    book["Worksheet"].cell(row=TEMPLATE.heading_row, column=column_of(DIED), value="Deaths")
    out = io.BytesIO()
    book.save(out)
    problems = problem_rows(upload(client, practice, out.getvalue()).content.decode())
    assert problems == [
        [
            str(TEMPLATE.heading_row),
            "H (Patients who died)",
            "—",
            "the heading is &#x27;Deaths&#x27;: it must be &#x27;Patients who died&#x27;. "
            "Download the worksheet again and copy your figures into it.",
        ]
    ]


def test_template_with_a_wrong_carried_opening_is_refused(client, manager, practice, homes, clock):
    """A person who unprotected the sheet and changed a carried-forward opening: the service's
    carry-forward rule still refuses it, on the home's row."""
    client.force_login(manager)
    clock(at(D(2019, 10, 10)))
    content = type_figures(
        download(client, practice),
        {**FILLED, "Oakwood Lodge": {**FILLED["Oakwood Lodge"], OPENING: 20}},
        force=True,
    )
    problems = problem_rows(upload(client, practice, content).content.decode())
    assert problems[0][1:3] == ["D (Patients at the start of the quarter)", "Oakwood Lodge"]
    assert "must be 11" in problems[0][3]
    assert not Worksheet.objects.filter(quarter__number=2).exists()


def test_machine_layout_still_uploads(client, manager, practice, homes, clock):
    oakwood, cedar = homes
    client.force_login(manager)
    clock(at(D(2019, 10, 10)))
    header = ",".join(
        ["practice_ods", "quarter", "cqc_location_id", "opening", "new_permanent", "temporary",
         "moved_out", "died", "in_other_home", "submitted_at"]
    )  # fmt: skip
    body = "\n".join(
        [
            header,
            f"C87001,2019/20 Q2,{oakwood.cqc_location_id},,2,1,0,1,0,",
            f"C87001,2019/20 Q2,{cedar.cqc_location_id},9,3,0,0,0,1,",
        ]
    )
    text = upload(client, practice, body.encode(), name="w.csv").content.decode()
    assert "There is a problem" not in text
    gross = 11 * 60 + 2 * 102 + 60 + 9 * 60 + 3 * 102
    assert f"£{gross:,}.00" in text


def test_template_is_not_an_import_worksheets_file(db, tmp_path, practice, homes, client, clock):
    """``import_worksheets`` keeps the SPEC §10 layout: the template is refused with its header
    problem, and nothing is written."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    client.force_login(f.practice_manager(practice))
    clock(at(D(2019, 10, 10)))
    path = tmp_path / "worksheet.xlsx"
    path.write_bytes(type_figures(download(client, practice), FILLED))
    with pytest.raises((CommandError, SystemExit)):
        call_command("import_worksheets", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not Worksheet.objects.filter(quarter__number=2).exists()
    assert openpyxl  # the file is a real workbook


# -- "In another home" on the form ------------------------------------------------------------------


def test_form_in_another_home_starts_at_0_with_a_hint_it_is_described_by(
    client, manager, practice, homes, clock
):
    oakwood, cedar = homes
    client.force_login(manager)
    clock(at(D(2019, 10, 2)))
    html = client.get(url(practice, Q2)).content.decode()
    hint = re.search(r'<p class="nhsuk-hint" id="in-other-home-hint">(.*?)</p>', html, re.S)
    assert hint and "not paid and not carried forward" in hint.group(1)
    for home in (oakwood, cedar):
        tag = re.search(rf'<input[^>]*name="home-{home.pk}-in_other_home"[^>]*>', html).group(0)
        assert 'value="0"' in tag
        assert 'aria-describedby="in-other-home-hint"' in tag
        new = re.search(rf'<input[^>]*name="home-{home.pk}-new_permanent"[^>]*>', html).group(0)
        assert "value=" not in new  # no register: the practice types it

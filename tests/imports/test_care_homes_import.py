"""import_care_homes: homes by CQC location ID, registered with a commissioner."""

import io

import pytest
from django.core.management import CommandError, call_command

from carehomes.models import CareHome
from history.models import AuditEvent
from tests import factories as f
from tests.imports.conftest import HOME_COLUMNS, csv_file, home_line, xlsx_file

pytestmark = pytest.mark.django_db

HOMES = csv_file(
    HOME_COLUMNS,
    home_line(),
    home_line(
        cqc="1-101613301",
        name="Beechcroft House",
        postcode="s603ar",
        category="EMI",
        nursing="Yes",
        beds="32",
    ),
)


def run(tmp_path, content: bytes, *args, name="homes.csv") -> str:
    path = tmp_path / name
    path.write_bytes(content)
    out = io.StringIO()
    call_command("import_care_homes", str(path), *args, stdout=out)
    return out.getvalue()


def refused(tmp_path, content: bytes, *args, name="homes.csv") -> str:
    with pytest.raises(CommandError) as error:
        run(tmp_path, content, *args, name=name)
    return str(error.value)


def test_import_care_homes_creates_homes_with_the_only_commissioner(tmp_path, rotherham):
    out = run(tmp_path, HOMES)
    beechcroft = CareHome.objects.get(cqc_location_id="1-101613301")
    assert beechcroft.name == "Beechcroft House"
    assert beechcroft.postcode == "S60 3AR"  # normalised
    assert beechcroft.category == CareHome.Category.EMI
    assert beechcroft.nursing is True
    assert beechcroft.beds == 32
    assert beechcroft.commissioner == rotherham
    assert out.strip() == "Care homes: 2 created."


def test_import_care_homes_from_xlsx_with_numeric_beds(tmp_path, rotherham):
    content = xlsx_file(
        HOME_COLUMNS, ["1-101613254", "Oakwood Lodge", "S60 2UB", "elderly", "no", 40.0]
    )
    run(tmp_path, content, name="homes.xlsx")
    assert CareHome.objects.get().beds == 40


def test_import_care_homes_fractional_beds_from_xlsx_is_a_problem(tmp_path, rotherham):
    content = xlsx_file(
        HOME_COLUMNS, ["1-101613254", "Oakwood Lodge", "S60 2UB", "elderly", "no", 12.5]
    )
    assert "row 2, column beds: '12.5' is not a whole number." in refused(
        tmp_path, content, name="homes.xlsx"
    )


def test_import_care_homes_identical_file_changes_nothing_and_says_so(tmp_path, rotherham):
    run(tmp_path, HOMES)
    assert run(tmp_path, HOMES).strip() == "No changes: 2 care homes already up to date."
    assert AuditEvent.objects.count() == 1


def test_import_care_homes_changes_are_updates_and_keep_the_commissioner(tmp_path, rotherham):
    sheffield = f.CommissionerFactory(code="02P")
    home = f.CareHomeFactory(cqc_location_id="1-101613254", commissioner=sheffield, beds=10)
    out = run(tmp_path, HOMES, "--commissioner", "03L")
    home.refresh_from_db()
    assert (home.name, home.beds, home.commissioner) == ("Oakwood Lodge", 40, sheffield)
    assert "Care homes: 1 created, 1 updated." in out
    assert CareHome.objects.get(cqc_location_id="1-101613301").commissioner == rotherham


def test_import_care_homes_commissioner_option_accepts_lower_case(tmp_path, rotherham):
    f.CommissionerFactory(code="02P")
    run(tmp_path, HOMES, "--commissioner", "03l")
    assert CareHome.objects.filter(commissioner=rotherham).count() == 2


def test_import_care_homes_several_commissioners_need_the_option(tmp_path, rotherham):
    f.CommissionerFactory(code="02P")
    message = refused(tmp_path, HOMES)
    assert "pass --commissioner CODE" in message and "02P, 03L" in message
    assert not CareHome.objects.exists()


def test_import_care_homes_without_any_commissioner_says_import_practices_first(tmp_path, db):
    assert "import the practices file first" in refused(tmp_path, HOMES)


def test_import_care_homes_unknown_commissioner_code_is_refused(tmp_path, rotherham):
    assert "There is no commissioner 99X" in refused(tmp_path, HOMES, "--commissioner", "99X")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            home_line(cqc="1-123"),
            "row 2, column cqc_location_id: '1-123' is not a valid CQC location ID",
        ),
        (home_line(name=""), "row 2, column name: is blank: it is required."),
        (
            home_line(postcode="NOT A POSTCODE"),
            "row 2, column postcode: 'NOT A POSTCODE' is not a valid UK postcode",
        ),
        (home_line(postcode=""), "row 2, column postcode: is blank: it is required."),
        (
            home_line(category="nursing"),
            "row 2, column category: 'nursing' is not allowed: it must be one of elderly, emi, learning_disability.",
        ),
        (
            home_line(nursing="maybe"),
            "row 2, column nursing: 'maybe' is not allowed: it must be one of yes, no.",
        ),
        (home_line(nursing=""), "row 2, column nursing: is blank: it must be one of yes, no."),
        (home_line(beds="0"), "row 2, column beds: 0 is too small: it must be at least 1."),
        (home_line(beds="-3"), "row 2, column beds: -3 is too small: it must be at least 1."),
        (home_line(beds="12.5"), "row 2, column beds: '12.5' is not a whole number."),
        (home_line(beds=""), "row 2, column beds: is blank: it is required."),
    ],
)
def test_import_care_homes_cell_rules(tmp_path, rotherham, line, expected):
    assert expected in refused(tmp_path, csv_file(HOME_COLUMNS, line))
    assert not CareHome.objects.exists()


def test_import_care_homes_category_is_case_insensitive(tmp_path, rotherham):
    run(tmp_path, csv_file(HOME_COLUMNS, home_line(category="Learning_Disability", nursing="NO")))
    home = CareHome.objects.get()
    assert home.category == CareHome.Category.LEARNING_DISABILITY and home.nursing is False


def test_import_care_homes_duplicate_home_in_file_is_a_problem(tmp_path, rotherham):
    content = csv_file(HOME_COLUMNS, home_line(), home_line(name="Oakwood"))
    assert "row 3, column cqc_location_id: 1-101613254 is already on row 2" in refused(
        tmp_path, content
    )


def test_import_care_homes_one_bad_row_writes_nothing(tmp_path, rotherham):
    content = csv_file(HOME_COLUMNS, home_line(), home_line(cqc="1-101613301", beds="0"))
    refused(tmp_path, content)
    assert not CareHome.objects.exists()
    assert not AuditEvent.objects.exists()


def test_import_care_homes_dry_run_writes_nothing(tmp_path, rotherham):
    out = run(tmp_path, HOMES, "--dry-run")
    assert "Care homes: 2 to create." in out
    assert not CareHome.objects.exists()

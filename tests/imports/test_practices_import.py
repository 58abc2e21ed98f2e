"""import_practices: commissioners, PCNs, practices, contacts and standing agreements."""

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.access import scope_for
from history.models import AuditEvent
from importing.base import ImportContext
from imports.models import ImportBatch
from imports.services import import_file
from practices.importers import PracticesImporter
from practices.models import PCN, Agreement, Commissioner, Practice
from tests import factories as f
from tests.imports.conftest import PRACTICE_COLUMNS, csv_file, practice_line, xlsx_file

pytestmark = pytest.mark.django_db


def run(tmp_path, content: bytes, *args, name="practices.csv") -> str:
    path = tmp_path / name
    path.write_bytes(content)
    out = io.StringIO()
    call_command("import_practices", str(path), *args, stdout=out)
    return out.getvalue()


def refused(tmp_path, content: bytes, name="practices.csv") -> str:
    with pytest.raises(CommandError) as error:
        run(tmp_path, content, name=name)
    return str(error.value)


TWO_PRACTICES = csv_file(
    PRACTICE_COLUMNS,
    practice_line(),
    practice_line(
        ods="C87002", name="Clifton Medical Centre", email="a@clifton.nhs.uk;b@clifton.nhs.uk"
    ),
)


def test_import_practices_creates_the_registry(tmp_path):
    out = run(tmp_path, TWO_PRACTICES)
    commissioner = Commissioner.objects.get()
    assert (commissioner.code, commissioner.name) == ("03L", "NHS Rotherham CCG")
    pcn = PCN.objects.get()
    assert (pcn.code, pcn.name, pcn.commissioner) == (
        "U51663",
        "Rotherham Central North PCN",
        commissioner,
    )
    clifton = Practice.objects.get(ods_code="C87002")
    assert clifton.name == "Clifton Medical Centre" and clifton.pcn == pcn
    assert sorted(clifton.contacts.values_list("email", flat=True)) == [
        "a@clifton.nhs.uk",
        "b@clifton.nhs.uk",
    ]
    assert "Practices: 2 created." in out
    assert "Commissioners: 1 created." in out


def test_import_practices_records_a_standing_agreement_for_each_new_practice(tmp_path):
    run(tmp_path, TWO_PRACTICES)
    agreements = Agreement.objects.all()
    assert agreements.count() == 2
    assert all(
        a.starts_on is None and a.signed_on is None and a.ends_on is None for a in agreements
    )


def test_import_practices_from_xlsx(tmp_path):
    content = xlsx_file(
        PRACTICE_COLUMNS,
        [
            "C87001",
            "Broom Lane Medical Centre",
            "U51663",
            "Central PCN",
            "03L",
            "NHS Rotherham CCG",
            "a@b.nhs.uk",
        ],
    )
    out = run(tmp_path, content, name="practices.xlsx")
    assert Practice.objects.get().ods_code == "C87001"
    assert "Practices: 1 created." in out


def test_import_practices_identical_file_changes_nothing_and_says_so(tmp_path):
    run(tmp_path, TWO_PRACTICES)
    events = AuditEvent.objects.count()
    out = run(tmp_path, TWO_PRACTICES)
    assert out.strip() == "No changes: 2 practices already up to date."
    assert AuditEvent.objects.count() == events
    assert Agreement.objects.count() == 2
    assert ImportBatch.objects.count() == 1


def test_import_practices_contacts_equal_ignoring_order_and_case_are_unchanged(tmp_path):
    run(tmp_path, TWO_PRACTICES)
    reordered = csv_file(
        PRACTICE_COLUMNS,
        practice_line(email="Manager@BroomLane.nhs.uk"),
        practice_line(
            ods="C87002",
            name="Clifton Medical Centre",
            email=" B@clifton.nhs.uk ; a@clifton.nhs.uk",
        ),
    )
    assert "No changes" in run(tmp_path, reordered)


def test_import_practices_replaces_a_changed_contact_list(tmp_path):
    run(tmp_path, TWO_PRACTICES)
    changed = csv_file(
        PRACTICE_COLUMNS,
        practice_line(),
        practice_line(
            ods="C87002", name="Clifton Medical Centre", email="b@clifton.nhs.uk;c@clifton.nhs.uk"
        ),
    )
    out = run(tmp_path, changed)
    clifton = Practice.objects.get(ods_code="C87002")
    assert sorted(clifton.contacts.values_list("email", flat=True)) == [
        "b@clifton.nhs.uk",
        "c@clifton.nhs.uk",
    ]
    assert "Practices: 1 updated, 1 unchanged." in out


def test_import_practices_changed_name_and_pcn_is_an_update(tmp_path):
    run(tmp_path, TWO_PRACTICES)
    moved = csv_file(
        PRACTICE_COLUMNS,
        practice_line(name="Broom Lane Surgery", pcn="U51664", pcn_name="Maltby Wickersley PCN"),
        practice_line(
            ods="C87002", name="Clifton Medical Centre", email="a@clifton.nhs.uk;b@clifton.nhs.uk"
        ),
    )
    out = run(tmp_path, moved)
    broom = Practice.objects.get(ods_code="C87001")
    assert broom.name == "Broom Lane Surgery" and broom.pcn.code == "U51664"
    assert "PCNs: 1 created, 1 unchanged." in out
    assert "Practices: 1 updated, 1 unchanged." in out
    assert Agreement.objects.count() == 2  # an update never adds an agreement


def test_import_practices_renamed_pcn_and_commissioner_are_updates(tmp_path):
    run(tmp_path, TWO_PRACTICES)
    renamed = csv_file(
        PRACTICE_COLUMNS,
        practice_line(
            pcn_name="Central North PCN", commissioner="NHS South Yorkshire ICB (Rotherham)"
        ),
    )
    out = run(tmp_path, renamed)
    assert PCN.objects.get().name == "Central North PCN"
    assert Commissioner.objects.get().name == "NHS South Yorkshire ICB (Rotherham)"
    assert "Commissioners: 1 updated." in out and "PCNs: 1 updated." in out


def test_import_practices_one_bad_row_writes_nothing_and_names_row_column_reason(tmp_path):
    content = csv_file(
        PRACTICE_COLUMNS,
        practice_line(),
        practice_line(ods="C87002"),
        practice_line(ods="X1"),
    )
    message = refused(tmp_path, content)
    assert (
        "row 4, column ods_code: 'X1' is not a valid practice ODS code: a capital letter and 5 digits "
        "(expected something like C87001)."
    ) in message
    assert "1 problem; nothing was imported" in message
    assert not Practice.objects.exists()
    assert not Commissioner.objects.exists()
    assert not AuditEvent.objects.exists()
    assert not ImportBatch.objects.exists()


def test_import_practices_lists_every_problem(tmp_path):
    content = csv_file(
        PRACTICE_COLUMNS,
        practice_line(ods="X1", pcn="51663"),
        practice_line(ods="C87002", code="3L", email="not-an-email"),
    )
    message = refused(tmp_path, content)
    assert "row 2, column ods_code:" in message
    assert "row 2, column pcn_code: '51663' is not a valid PCN code" in message
    assert "row 3, column commissioner_code: '3L' is not a valid commissioner code" in message
    assert "row 3, column email: 'not-an-email' is not a valid email address." in message
    assert "4 problems" in message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (practice_line(name=""), "row 2, column name: is blank: it is required."),
        (
            practice_line(name="x" * 201),
            "row 2, column name: is 201 characters long: at most 200 fit.",
        ),
        (practice_line(pcn_name=""), "row 2, column pcn_name: is blank"),
        (practice_line(commissioner=""), "row 2, column commissioner_name: is blank"),
        (practice_line(email=""), "row 2, column email: is blank: give at least one address"),
        (practice_line(email=" ; "), "row 2, column email: is blank"),
        (
            practice_line(email="a@b.nhs.uk;oops"),
            "row 2, column email: 'oops' is not a valid email address.",
        ),
        (practice_line(ods=""), "row 2, column ods_code: is blank: it is required."),
        (practice_line(pcn="U5166"), "row 2, column pcn_code: 'U5166' is not a valid PCN code"),
    ],
)
def test_import_practices_cell_rules(tmp_path, line, expected):
    assert expected in refused(tmp_path, csv_file(PRACTICE_COLUMNS, line))


def test_import_practices_codes_in_lower_case_are_accepted(tmp_path):
    run(tmp_path, csv_file(PRACTICE_COLUMNS, practice_line(ods="c87001", pcn="u51663", code="03l")))
    assert Practice.objects.get().ods_code == "C87001"


def test_import_practices_duplicate_practice_in_file_is_a_problem(tmp_path):
    content = csv_file(PRACTICE_COLUMNS, practice_line(), practice_line(name="Another"))
    assert "row 3, column ods_code: C87001 is already on row 2: each may appear once." in refused(
        tmp_path, content
    )


def test_import_practices_pcn_with_two_names_is_a_problem(tmp_path):
    content = csv_file(
        PRACTICE_COLUMNS, practice_line(), practice_line(ods="C87002", pcn_name="Other PCN")
    )
    message = refused(tmp_path, content)
    assert (
        "row 3, column pcn_name: PCN U51663 is named 'Rotherham Central North PCN' on row 2 but 'Other PCN' here"
        in message
    )


def test_import_practices_pcn_with_two_commissioners_is_a_problem(tmp_path):
    content = csv_file(
        PRACTICE_COLUMNS,
        practice_line(),
        practice_line(ods="C87002", code="02P", commissioner="NHS Sheffield CCG"),
    )
    message = refused(tmp_path, content)
    assert (
        "row 3, column commissioner_code: PCN U51663 belongs to '03L' on row 2 but '02P' here"
        in message
    )


def test_import_practices_commissioner_with_two_names_is_a_problem(tmp_path):
    content = csv_file(
        PRACTICE_COLUMNS,
        practice_line(),
        practice_line(
            ods="C87002", pcn="U51664", pcn_name="Maltby PCN", commissioner="Rotherham CCG"
        ),
    )
    message = refused(tmp_path, content)
    assert (
        "row 3, column commissioner_name: commissioner 03L is named 'NHS Rotherham CCG' on row 2 but 'Rotherham CCG' here"
        in message
    )


def test_import_practices_dry_run_writes_nothing_and_reports_changes(tmp_path):
    out = run(tmp_path, TWO_PRACTICES, "--dry-run")
    assert not Practice.objects.exists() and not Commissioner.objects.exists()
    assert not AuditEvent.objects.exists() and not ImportBatch.objects.exists()
    assert "Dry run: nothing was written." in out
    assert "Practices: 2 to create." in out


def test_import_practices_dry_run_shows_updates_before_and_after(tmp_path):
    run(tmp_path, TWO_PRACTICES)
    out = run(
        tmp_path, csv_file(PRACTICE_COLUMNS, practice_line(name="Broom Lane Surgery")), "--dry-run"
    )
    assert "name Broom Lane Medical Centre → Broom Lane Surgery" in out
    assert Practice.objects.get(ods_code="C87001").name == "Broom Lane Medical Centre"


def test_import_practices_writes_one_audit_event_with_counts(tmp_path):
    run(tmp_path, TWO_PRACTICES)
    event = AuditEvent.objects.get()
    batch = ImportBatch.objects.get()
    assert event.action == "import_practices"
    assert (event.object_type, event.object_id) == ("imports.importbatch", str(batch.pk))
    assert "Practices: 2 created." in event.summary
    assert {c["key"] for c in event.after["changes"] if c["kind"] == "practice"} == {
        "C87001",
        "C87002",
    }
    assert batch.status == ImportBatch.Status.APPLIED and batch.uploaded_by is None
    assert bytes(batch.content) == TWO_PRACTICES


def test_import_practices_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_practices", str(tmp_path / "nowhere.csv"))


def test_import_practices_oversize_file_is_a_command_error(tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 50
    assert "the largest accepted is 50" in refused(tmp_path, TWO_PRACTICES)
    assert not Practice.objects.exists()


def test_import_practices_wrong_header_is_a_command_error(tmp_path):
    message = refused(
        tmp_path,
        csv_file("ods_code,name,pcn_code,pcn_name,commissioner_code,email,fax", practice_line()),
    )
    assert "missing column commissioner_name" in message
    assert "unexpected column fax" in message


def test_import_practices_through_web_scope_refuses_another_commissioner(rotherham):
    other = f.CommissionerFactory(code="02P", name="NHS Sheffield CCG")
    user = f.officer(rotherham)
    content = csv_file(
        PRACTICE_COLUMNS,
        practice_line(),
        practice_line(
            ods="C88001",
            pcn="U51700",
            pcn_name="Sheffield PCN",
            code="02P",
            commissioner=other.name,
        ),
    )
    plan = import_file(
        kind="practices",
        content=content,
        filename="p.csv",
        context=ImportContext(commissioner=rotherham, scope=scope_for(user)),
        by=user,
    )
    assert [str(p) for p in plan.problems] == [
        "row 3, column commissioner_code: 02P is not your commissioner: you can import practices of NHS Rotherham CCG (03L) only."
    ]
    assert not Practice.objects.exists()


def test_import_practices_colliding_with_a_concurrent_change_is_reported_not_raised(
    monkeypatch, rotherham
):
    """A practice created by someone else between planning and writing: the import is undone."""
    plan_now = PracticesImporter.plan

    def plan_then_collide(self, rows, *, context):
        plan = plan_now(self, rows, context=context)
        f.PracticeFactory(ods_code="C87001", pcn=f.PCNFactory(commissioner=rotherham))
        return plan

    monkeypatch.setattr(PracticesImporter, "plan", plan_then_collide)
    plan = import_file(
        kind="practices", content=TWO_PRACTICES, filename="p.csv", context=ImportContext()
    )
    assert [str(p) for p in plan.problems] == [
        "The registry changed while this file was being imported, so nothing was imported: try again."
    ]
    assert not ImportBatch.objects.exists() and not AuditEvent.objects.exists()


# -- the optional supplier_number column (docs/adr/0022) ----------------------------------------


def test_import_practices_sets_supplier_numbers_from_the_optional_column(tmp_path):
    run(
        tmp_path,
        csv_file(PRACTICE_COLUMNS + ",supplier_number", practice_line() + ",SUP404101"),
    )
    assert Practice.objects.get().supplier_number == "SUP404101"
    out = run(
        tmp_path,
        csv_file(PRACTICE_COLUMNS + ",supplier_number", practice_line() + ",SUP404999"),
    )
    assert Practice.objects.get().supplier_number == "SUP404999"
    assert "Practices: 1 updated." in out


def test_import_practices_without_the_column_keeps_supplier_numbers(tmp_path):
    run(
        tmp_path,
        csv_file(PRACTICE_COLUMNS + ",supplier_number", practice_line() + ",SUP404101"),
    )
    out = run(tmp_path, csv_file(PRACTICE_COLUMNS, practice_line()))
    assert Practice.objects.get().supplier_number == "SUP404101"
    assert "No changes" in out


def test_import_practices_supplier_number_too_long_is_refused_and_writes_nothing(tmp_path):
    message = refused(
        tmp_path,
        csv_file(PRACTICE_COLUMNS + ",supplier_number", practice_line() + "," + "9" * 21),
    )
    assert "supplier_number" in message and "at most 20" in message
    assert not Practice.objects.exists()

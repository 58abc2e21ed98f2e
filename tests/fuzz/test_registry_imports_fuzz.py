"""Hostile files through the officers' registry imports (practices, care homes, alignments), by
the web (upload → preview → confirm, as an officer) and by the ``import_*`` commands.

For every file: never an error page or a traceback; a refused file is explained and writes
nothing at all; an accepted file writes every row. A file with one bad cell names that row and
column, and only that row."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings as django_settings
from hypothesis import given
from hypothesis import strategies as st

from carehomes.models import Alignment, CareHome
from core.identifiers import normalise_postcode
from practices.models import PCN, Practice
from tests import factories as f
from tests.fuzz.drivers import command_import, web_import
from tests.fuzz.helpers import example_savepoint
from tests.fuzz.profiles import fuzz
from tests.fuzz.strategies import (
    FORMULAS,
    Upload,
    csv_bytes,
    expected_records,
    formulas,
    hostile_files,
    huge_numbers,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

LIMIT = django_settings.IMPORT_MAX_BYTES
PRACTICE_COLUMNS = (
    "ods_code", "name", "pcn_code", "pcn_name", "commissioner_code", "commissioner_name", "email",
)  # fmt: skip
HOME_COLUMNS = ("cqc_location_id", "name", "postcode", "category", "nursing", "beds")
ALIGNMENT_COLUMNS = ("cqc_location_id", "practice_ods", "start_date", "end_date", "lead_gp")

# The registry every test starts from: the officer's commissioner (03L) with a PCN, two practices
# and two homes; another commissioner (02P) with a practice and a home the officer cannot touch.
OWN_HOMES = ("1-101613254", "1-102000001")
OTHER_HOME = "1-103000002"
OWN_PRACTICES = ("C87001", "C87002")
OTHER_PRACTICE = "C99001"


@pytest.fixture
def registry(db):
    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    elsewhere = f.CommissionerFactory(code="02P", name="NHS Barnsley CCG")
    pcn = f.PCNFactory(code="U51663", name="Rotherham Central North PCN", commissioner=rotherham)
    for ods in OWN_PRACTICES:
        f.PracticeFactory(ods_code=ods, pcn=pcn)
    f.PracticeFactory(ods_code=OTHER_PRACTICE, pcn__code="U90001", pcn__commissioner=elsewhere)
    for cqc in OWN_HOMES:
        f.CareHomeFactory(cqc_location_id=cqc, commissioner=rotherham)
    f.CareHomeFactory(cqc_location_id=OTHER_HOME, commissioner=elsewhere)
    return rotherham


@pytest.fixture
def officer_client(client, registry):
    client.force_login(f.officer(registry))
    return client


# -- rows an importer would accept ---------------------------------------------------------------

# Names people type: letters, digits, punctuation, spaces, accents; and formula-like text, which
# is text like any other when imported (exports neutralise it).
names = st.one_of(
    st.text(
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cn", "Co", "Zl", "Zp")),
        min_size=1,
        max_size=60,
    ).filter(lambda text: text.strip()),
    st.sampled_from(FORMULAS[:5]),
)


def _unique(key):
    return {"unique_by": lambda row: row[key]}


practice_rows = st.lists(
    st.fixed_dictionaries(
        {
            "ods_code": st.sampled_from(OWN_PRACTICES + ("C87003", "C87004", "C87005", "c87006")),
            "name": names,
            "pcn_code": st.just("U51663"),
            "pcn_name": st.just("Rotherham Central North PCN"),
            "commissioner_code": st.sampled_from(["03L", "03l", " 03L "]),
            "commissioner_name": st.just("NHS Rotherham CCG"),
            "email": st.lists(
                st.sampled_from(["a@broomlane.nhs.uk", "B@Clifton.NHS.uk", "pm@x.example"]),
                min_size=1,
                max_size=3,
            ).map(";".join),
        }
    ),
    min_size=1,
    max_size=5,
    **_unique("ods_code"),
)

home_rows = st.lists(
    st.fixed_dictionaries(
        {
            "cqc_location_id": st.one_of(
                st.sampled_from(OWN_HOMES),
                st.integers(10**7, 10**11 - 1).map(lambda n: f"1-{n}"),
            ),
            "name": names,
            "postcode": st.sampled_from(["S60 2UB", "s602ub", "S65 1DA", "LS1 4AP", "s60  2ub"]),
            "category": st.sampled_from(["elderly", "EMI", "learning_disability", "Elderly"]),
            "nursing": st.sampled_from(["yes", "no", "YES", "No"]),
            "beds": st.integers(1, 500).map(str),
        }
    ),
    min_size=1,
    max_size=5,
    **_unique("cqc_location_id"),
)

day = st.dates(datetime.date(2018, 4, 1), datetime.date(2021, 3, 31))
alignment_rows = st.lists(
    st.fixed_dictionaries(
        {
            "pair": st.tuples(st.sampled_from(OWN_HOMES), st.sampled_from(OWN_PRACTICES)),
            "start": day,
            "length": st.one_of(st.none(), st.integers(0, 800)),
            "lead_gp": names,
        }
    ).map(
        lambda r: {
            "cqc_location_id": r["pair"][0],
            "practice_ods": r["pair"][1],
            "start_date": r["start"].isoformat(),
            "end_date": ""
            if r["length"] is None
            else (r["start"] + datetime.timedelta(days=r["length"])).isoformat(),
            "lead_gp": r["lead_gp"],
        }
    ),
    min_size=1,
    max_size=4,
    unique_by=lambda row: (row["cqc_location_id"], row["practice_ods"]),  # never overlapping
)


# -- what an accepted file must have written ----------------------------------------------------


def _id(text: str) -> str:
    return text.replace(" ", "").upper()


def assert_practices_written(upload: Upload, changes: dict, existing: set[str]):
    records = expected_records(upload)
    for record in records:
        practice = Practice.objects.get(ods_code=_id(record["ods_code"]))
        assert practice.name == record["name"]
        assert practice.pcn.code == _id(record["pcn_code"])
        emails = {e.strip().lower() for e in record["email"].split(";") if e.strip()}
        assert set(practice.contacts.values_list("email", flat=True)) == emails
    new = {_id(r["ods_code"]) for r in records} - existing
    assert changes.get("practices.Practice", 0) == len(new)
    assert changes.get("practices.Agreement", 0) == len(new)  # a standing agreement each
    assert set(changes) <= {
        "practices.Practice", "practices.Agreement", "practices.PracticeContact",
        "practices.PCNMembership",
        "practices.PCN", "practices.Commissioner", "audit.AuditEvent",
    }  # fmt: skip


def assert_homes_written(upload: Upload, changes: dict, existing: set[str]):
    records = expected_records(upload)
    for record in records:
        home = CareHome.objects.get(cqc_location_id=_id(record["cqc_location_id"]))
        assert home.name == record["name"]
        assert home.postcode == normalise_postcode(record["postcode"])
        assert home.category == record["category"].lower()
        assert home.nursing is (record["nursing"].lower() == "yes")
        assert home.beds == int(record["beds"])
    new = {_id(r["cqc_location_id"]) for r in records} - existing
    assert changes.get("carehomes.CareHome", 0) == len(new)
    assert set(changes) <= {"carehomes.CareHome", "audit.AuditEvent"}


def assert_alignments_written(upload: Upload, changes: dict, existing: int):
    records = expected_records(upload)
    for record in records:
        alignment = Alignment.objects.get(
            care_home__cqc_location_id=_id(record["cqc_location_id"]),
            practice__ods_code=_id(record["practice_ods"]),
            start_date=datetime.date.fromisoformat(record["start_date"]),
        )
        assert alignment.lead_gp == record["lead_gp"]
        end = record["end_date"]
        assert alignment.end_date == (datetime.date.fromisoformat(end) if end else None)
    assert changes.get("carehomes.Alignment", 0) == len(records) - existing
    assert set(changes) <= {"carehomes.Alignment", "audit.AuditEvent"}


def _checked(outcome, upload, check, *args):
    if outcome.applied:
        check(upload, outcome.changes, *args)
    elif outcome.result == "refused":
        assert outcome.messages


# -- through the web, as the officer ------------------------------------------------------------


@fuzz(30)
@given(upload=hostile_files(PRACTICE_COLUMNS, practice_rows, LIMIT))
def test_practices_upload_never_errors_and_is_all_or_nothing(officer_client, upload):
    with example_savepoint():
        existing = set(Practice.objects.values_list("ods_code", flat=True))
        outcome = web_import(officer_client, "practices", upload)
        _checked(outcome, upload, assert_practices_written, existing)


@fuzz(30)
@given(upload=hostile_files(HOME_COLUMNS, home_rows, LIMIT))
def test_care_homes_upload_never_errors_and_is_all_or_nothing(officer_client, upload):
    with example_savepoint():
        existing = set(CareHome.objects.values_list("cqc_location_id", flat=True))
        outcome = web_import(officer_client, "care_homes", upload)
        _checked(outcome, upload, assert_homes_written, existing)


@fuzz(30)
@given(upload=hostile_files(ALIGNMENT_COLUMNS, alignment_rows, LIMIT))
def test_alignments_upload_never_errors_and_is_all_or_nothing(officer_client, upload):
    with example_savepoint():
        outcome = web_import(officer_client, "alignments", upload)
        _checked(outcome, upload, assert_alignments_written, 0)


# -- through the management commands ------------------------------------------------------------


@fuzz(25)
@given(upload=hostile_files(PRACTICE_COLUMNS, practice_rows, LIMIT))
def test_import_practices_command_never_errors_and_is_all_or_nothing(registry, tmp_path, upload):
    with example_savepoint():
        existing = set(Practice.objects.values_list("ods_code", flat=True))
        outcome = command_import("import_practices", upload, tmp_path)
        _checked(outcome, upload, assert_practices_written, existing)


@fuzz(25)
@given(upload=hostile_files(HOME_COLUMNS, home_rows, LIMIT))
def test_import_care_homes_command_never_errors_and_is_all_or_nothing(registry, tmp_path, upload):
    with example_savepoint():
        existing = set(CareHome.objects.values_list("cqc_location_id", flat=True))
        outcome = command_import("import_care_homes", upload, tmp_path, "--commissioner", "03L")
        _checked(outcome, upload, assert_homes_written, existing)


@fuzz(25)
@given(upload=hostile_files(ALIGNMENT_COLUMNS, alignment_rows, LIMIT))
def test_import_alignments_command_never_errors_and_is_all_or_nothing(registry, tmp_path, upload):
    with example_savepoint():
        outcome = command_import("import_alignments", upload, tmp_path)
        _checked(outcome, upload, assert_alignments_written, 0)


# -- one bad cell: its row and column are named ---------------------------------------------------

bad_identifiers = st.one_of(
    st.sampled_from(FORMULAS), huge_numbers(), st.just(""), st.sampled_from(["x" * 300, "1.5"])
)
bad_text = st.one_of(
    st.just(""),
    st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=201, max_size=260).filter(
        lambda t: len(t.strip()) > 200
    ),
)
bad_whole_numbers = st.one_of(
    st.sampled_from(FORMULAS),
    huge_numbers(),
    st.sampled_from(["", "0", "-0", "-1", "1.5", "1e3", "0x1F", "1,000", "١٢", "１２", "½", "NaN"]),
)
bad_dates = st.one_of(
    st.sampled_from(FORMULAS),
    st.sampled_from(
        ["2019-02-30", "2019-13-01", "01/04/2019", "2019-4-1", "20190401", "0000-01-01", "x"]
    ),
)
BAD_CELLS = {
    "practices": {
        "ods_code": bad_identifiers,
        "name": bad_text,
        "pcn_code": bad_identifiers,
        "pcn_name": bad_text,
        "commissioner_code": bad_identifiers,
        "commissioner_name": bad_text,
        "email": st.one_of(st.sampled_from(FORMULAS), st.sampled_from(["", "not-an-email", ";"])),
    },
    "care_homes": {
        "cqc_location_id": bad_identifiers,
        "name": bad_text,
        "postcode": st.one_of(st.sampled_from(FORMULAS), st.sampled_from(["", "NOT A CODE"])),
        "category": st.one_of(st.sampled_from(FORMULAS), st.sampled_from(["", "hospital"])),
        "nursing": st.one_of(st.sampled_from(FORMULAS), st.sampled_from(["", "maybe", "1"])),
        "beds": bad_whole_numbers,
    },
    "alignments": {
        "cqc_location_id": st.one_of(bad_identifiers, st.just("1-999999999")),
        "practice_ods": st.one_of(bad_identifiers, st.just("Z99999")),
        "start_date": st.one_of(bad_dates, st.just("")),
        "end_date": st.one_of(bad_dates, st.just("2000-01-01")),  # or before the start
        "lead_gp": bad_text,
    },
}
# Bad only through the web, where the officer's scope is their commissioner's registry.
SCOPED_BAD_CELLS = {
    "care_homes": {"cqc_location_id": st.just(OTHER_HOME)},  # another commissioner's home
    "alignments": {"practice_ods": st.just(OTHER_PRACTICE)},  # another commissioner's practice
}
COMMANDS = {
    "practices": ("import_practices",),
    "care_homes": ("import_care_homes", "--commissioner", "03L"),
    "alignments": ("import_alignments",),
}
GOOD_ROWS = {
    "practices": (PRACTICE_COLUMNS, practice_rows),
    "care_homes": (HOME_COLUMNS, home_rows),
    "alignments": (ALIGNMENT_COLUMNS, alignment_rows),
}


@st.composite
def one_bad_cell(draw, kind: str, *, scoped: bool):
    """A valid file with one cell made bad: ``(upload, row, column)``."""
    columns, rows = GOOD_ROWS[kind]
    records = draw(rows)
    index = draw(st.integers(0, len(records) - 1))
    column = draw(st.sampled_from(columns))
    bad = BAD_CELLS[kind][column]
    if scoped and column in SCOPED_BAD_CELLS.get(kind, {}):
        bad = st.one_of(bad, SCOPED_BAD_CELLS[kind][column])
    records[index] = {**records[index], column: draw(bad)}
    table = [list(columns)] + [[record[c] for c in columns] for record in records]
    if draw(st.booleans()):
        upload = Upload("file.csv", csv_bytes(table), "csv", columns, tuple(table[1:]), "csv")
    else:
        upload = Upload("file.xlsx", xlsx_bytes([table]), "xlsx", columns, tuple(table[1:]), "xlsx")
    return upload, index + 2, column


@pytest.mark.parametrize("kind", ["practices", "care_homes", "alignments"])
@pytest.mark.parametrize("entry", ["web", "command"])
@fuzz(25)
@given(data=st.data())
def test_registry_file_with_one_bad_cell_names_its_row_and_column(
    officer_client, tmp_path, entry, kind, data
):
    upload, row, column = data.draw(
        one_bad_cell(kind, scoped=entry == "web"), label="upload, row, column"
    )
    with example_savepoint():
        if entry == "web":
            outcome = web_import(officer_client, kind, upload)
        else:
            command, *args = COMMANDS[kind]
            outcome = command_import(command, upload, tmp_path, *args)
        assert outcome.result == "refused"
        assert [str(row), column] in [p[:2] for p in outcome.problems], outcome.problems
        # Only the bad row is blamed: the other rows are fine.
        assert {p[0] for p in outcome.problems} == {str(row)}, outcome.problems


@fuzz(10)
@given(formula=formulas().filter(lambda t: 0 < len(t.strip()) <= 200 and "\ufeff" not in t))
def test_formula_like_names_are_imported_as_text(officer_client, formula):
    """Formula-like text is a name like any other on the way in: stored as typed (stripped), never
    evaluated or altered. Neutralising it is the exports' job (tests/fuzz/test_exports_fuzz.py)."""
    content = csv_bytes(
        [list(HOME_COLUMNS), ["1-104000000", formula, "S60 2UB", "elderly", "no", "12"]]
    )
    with example_savepoint():
        outcome = web_import(officer_client, "care_homes", Upload("homes.csv", content, "formula"))
        if "\x00" in formula:
            assert outcome.result == "refused"
            return
        assert outcome.applied, outcome.messages
        assert CareHome.objects.get(cqc_location_id="1-104000000").name == formula.strip()


def test_pcn_is_left_alone_by_a_refused_practices_file(officer_client):
    """The all-or-nothing rule on an example a person can read: the first row would rename the
    PCN, the second is bad; nothing changes."""
    content = csv_bytes(
        [
            list(PRACTICE_COLUMNS),
            ["C87003", "New", "U51663", "Renamed PCN", "03L", "NHS Rotherham CCG", "a@b.nhs.uk"],
            ["C87004", "New", "U51663", "Renamed PCN", "03L", "NHS Rotherham CCG", "9" * 5000],
        ]
    )
    outcome = web_import(officer_client, "practices", Upload("p.csv", content, "example"))
    assert outcome.result == "refused"
    assert PCN.objects.get(code="U51663").name == "Rotherham Central North PCN"
    assert not Practice.objects.filter(ods_code__in=["C87003", "C87004"]).exists()

"""sync_registry: the registry kept in step with ODS's epraccur and ePCN and CQC's active locations,
read in their published layouts (ADR 0024)."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from carehomes.models import Alignment, CareHome
from carehomes.services import care_home_save
from claims.models import Quarter
from claims.selectors import practices_expected
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from history.models import AuditEvent
from imports.models import RegistrySync
from imports.sync import SyncFile, plan_sync
from practices.models import PCN, PCNMembership, Practice
from practices.selectors import pcn_in_quarter
from tests import factories as f
from tests.national_files import cqc_ods, cqc_xlsx, epcn_xlsx, epraccur_csv

pytestmark = pytest.mark.django_db
D = datetime.date
FILES_DATE = "2026-04-15"


@pytest.fixture
def world():
    barnsley = f.CommissionerFactory(code="03L", name="NHS South Yorkshire ICB - Barnsley")
    other = f.CommissionerFactory(code="02P", name="NHS Elsewhere")
    raven = f.PCNFactory(code="U10001", name="Raven PCN", commissioner=barnsley)
    wentworth = f.PCNFactory(code="U10002", name="Wentworth PCN", commissioner=barnsley)
    elsewhere = f.PCNFactory(code="U20001", name="Elsewhere PCN", commissioner=other)
    practices = {
        "C87001": f.PracticeFactory(ods_code="C87001", name="Broom Lane", pcn=raven),
        "C87012": f.PracticeFactory(ods_code="C87012", name="Hoyland Surgery", pcn=raven),
        "C87003": f.PracticeFactory(ods_code="C87003", name="Closing Surgery", pcn=raven),
        "Y00001": f.PracticeFactory(ods_code="Y00001", name="Elsewhere Surgery", pcn=elsewhere),
    }
    for practice in practices.values():
        PCNMembership.objects.create(practice=practice, pcn=practice.pcn)
    homes = {
        "oak": f.CareHomeFactory(
            cqc_location_id="1-100000001", name="Oak Lodge", beds=30, commissioner=barnsley
        ),
        "gone": f.CareHomeFactory(
            cqc_location_id="1-100000002", name="Gone House", commissioner=barnsley
        ),
        "override": f.CareHomeFactory(
            cqc_location_id="1-100000003",
            name="Willow Court",
            category=CareHome.Category.ELDERLY,
            cqc_category="mixed",
            category_overridden=True,
            commissioner=barnsley,
            postcode="S70 2AB",
            beds=30,
        ),
    }
    f.AgreementFactory(practice=practices["C87003"])
    closing_alignment = f.AlignmentFactory(care_home=homes["oak"], practice=practices["C87003"])
    gone_alignment = f.AlignmentFactory(care_home=homes["gone"], practice=practices["C87001"])
    return {
        "barnsley": barnsley,
        "raven": raven,
        "wentworth": wentworth,
        "practices": practices,
        "homes": homes,
        "closing_alignment": closing_alignment,
        "gone_alignment": gone_alignment,
    }


def practices_file():
    return epraccur_csv(
        [
            {"ods": "C87001", "name": "Broom Lane Surgery", "postcode": "S70 1AB"},
            {"ods": "C87012", "name": "Hoyland Surgery", "postcode": "S70 1AA"},
            {
                "ods": "C87003",
                "name": "Closing Surgery",
                "status": "C",
                "closed": "20260331",
            },
            {"ods": "C87004", "name": "New Surgery", "opened": "20260401"},
            # another commissioner's practice: never touched
            {"ods": "Y00001", "name": "Renamed Elsewhere", "commissioner": "02P"},
            # not a GP practice (prescribing setting 1): ignored
            {"ods": "C87999", "name": "Barnsley Prison", "setting": "1"},
        ]
    )


def pcns_file():
    return epcn_xlsx(
        [
            {"code": "U10001", "name": "Raven PCN"},
            {"code": "U10002", "name": "Wentworth 1 PCN"},
            {"code": "U10003", "name": "Dearne PCN"},
            {"code": "U20001", "name": "Elsewhere PCN renamed", "commissioner": "02P"},
        ],
        [
            {"ods": "C87001", "pcn": "U10001"},
            {"ods": "C87012", "pcn": "U10001", "end": D(2026, 3, 31)},
            {"ods": "C87012", "pcn": "U10002", "start": "20260401"},
            {"ods": "C87003", "pcn": "U10001", "start": "01/07/2019"},
            {"ods": "C87004", "pcn": "U10003", "start": D(2026, 4, 1)},
            {"ods": "Y00001", "pcn": "U20001", "commissioner": "02P"},
        ],
    )


LOCATIONS = [
    {"id": "1-100000001", "name": "Oak Lodge", "beds": 35, "postcode": "S60 2UB"},
    {"id": "1-100000003", "name": "Willow Court", "bands": {"ld", "older"}},
    {"id": "1-100000004", "name": "Harbour View", "bands": {"ld"}},
    {"id": "1-100000005", "name": "Elm House", "bands": {"dementia", "older"}, "nursing": True},
    {"id": "1-100000006", "name": "Sleeping Home", "dormant": "Y"},
    {"id": "1-100000007", "name": "Barnsley Dental", "care_home": "N"},
    {"id": "1-100000008", "name": "Far Away Home", "ccg": "NHS Elsewhere ICB - 02P"},
    {"id": "1-100000009", "name": "Mixed Manor", "bands": {"ld", "dementia"}},
]


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def sync(tmp_path, cqc_name="HSCA_Active_Locations.ods", *extra):
    cqc = cqc_ods(LOCATIONS) if cqc_name.endswith(".ods") else cqc_xlsx(LOCATIONS)
    out = io.StringIO()
    call_command(
        "sync_registry",
        "--commissioner",
        "03L",
        "--practices",
        write(tmp_path, "epraccur.csv", practices_file()),
        "--pcns",
        write(tmp_path, "ePCN.xlsx", pcns_file()),
        "--care-homes",
        write(tmp_path, cqc_name, cqc),
        "--date",
        FILES_DATE,
        *extra,
        stdout=out,
    )
    return out.getvalue()


@pytest.mark.parametrize("cqc_name", ["HSCA_Active_Locations.ods", "HSCA_Active_Locations.xlsx"])
def test_sync_registry_brings_the_registry_in_step_and_a_second_run_changes_nothing(
    world, tmp_path, cqc_name
):
    out = sync(tmp_path, cqc_name)

    assert "C87012 moves from Raven PCN to Wentworth 1 PCN on 1 April 2026." in out
    # practices: updated, closed, created; another commissioner's and a non-practice untouched
    broom = Practice.objects.get(ods_code="C87001")
    assert (broom.name, broom.postcode, broom.ods_status) == ("Broom Lane Surgery", "S70 1AB", "A")
    assert broom.opened_on == D(1974, 4, 1)
    closing = Practice.objects.get(ods_code="C87003")
    assert (closing.closed_on, closing.ods_status) == (D(2026, 3, 31), "C")
    new = Practice.objects.get(ods_code="C87004")
    assert new.pcn.code == "U10003" and new.agreements.count() == 0
    assert Practice.objects.get(ods_code="Y00001").name == "Elsewhere Surgery"
    assert not Practice.objects.filter(ods_code="C87999").exists()
    # PCNs: renamed and created; another commissioner's untouched
    assert PCN.objects.get(code="U10002").name == "Wentworth 1 PCN"
    assert PCN.objects.get(code="U10003").commissioner == world["barnsley"]
    assert PCN.objects.get(code="U20001").name == "Elsewhere PCN"
    # the move: dated memberships and the current PCN as of the files' date
    hoyland = Practice.objects.get(ods_code="C87012")
    assert hoyland.pcn.code == "U10002"
    assert [
        (m.pcn.code, m.start_date, m.end_date) for m in hoyland.pcn_memberships.order_by("pk")
    ] == [("U10001", D(2019, 7, 1), D(2026, 3, 31)), ("U10002", D(2026, 4, 1), None)]
    # the closing practice's open business is listed for the officer
    assert "C87003 closes on 31 March 2026 but is still aligned with Oak Lodge" in out
    assert "C87003 closes on 31 March 2026 but its LES agreement is in force." in out
    # care homes: a bed change, new EMI nursing and learning-disability homes; the dormant,
    # non-care-home and other-area locations left out; the officer's override kept
    oak = CareHome.objects.get(cqc_location_id="1-100000001")
    assert (oak.beds, oak.cqc_category, oak.category) == (35, "elderly", "elderly")
    elm = CareHome.objects.get(cqc_location_id="1-100000005")
    assert (elm.category, elm.nursing, elm.commissioner) == ("emi", True, world["barnsley"])
    assert CareHome.objects.get(cqc_location_id="1-100000004").category == "learning_disability"
    assert not CareHome.objects.filter(
        cqc_location_id__in=["1-100000006", "1-100000007", "1-100000008"]
    ).exists()
    willow = CareHome.objects.get(cqc_location_id="1-100000003")
    assert (willow.category, willow.cqc_category) == ("elderly", "mixed")
    assert "your category Elderly is kept; CQC's bands say Learning disability and other" in out
    # a home with learning disabilities and another band is never silently paid
    mixed = CareHome.objects.get(cqc_location_id="1-100000009")
    assert (mixed.category, mixed.cqc_category) == ("learning_disability", "mixed")
    assert "Mixed Manor (1-100000009) is registered for learning disabilities and other" in out
    # the home missing from CQC's file: deregistered from the files' month, alignment ended
    gone = CareHome.objects.get(cqc_location_id="1-100000002")
    assert gone.deregistered_on == D(2026, 4, 1)
    world["gone_alignment"].refresh_from_db()
    assert world["gone_alignment"].end_date == D(2026, 3, 31)
    # history: each change with the file names and date
    event = AuditEvent.objects.get(
        action="registry_sync", object_type="carehomes.carehome", object_id=str(oak.pk)
    )
    assert "beds 30 → 35" in event.summary and "15 April 2026" in event.summary
    assert cqc_name in event.after["files"] and event.after["files_date"] == "2026-04-15"
    assert RegistrySync.objects.get().status == RegistrySync.Status.APPLIED

    events = AuditEvent.objects.count()
    again = sync(tmp_path, cqc_name)
    assert again.startswith("No changes")
    assert AuditEvent.objects.count() == events
    assert RegistrySync.objects.count() == 1


def test_sync_registry_dry_run_writes_nothing(world, tmp_path):
    out = sync(tmp_path, "HSCA_Active_Locations.ods", "--dry-run")
    assert out.startswith("Dry run: nothing was written.")
    assert "Wentworth PCN (U10002) is renamed Wentworth 1 PCN." in out
    assert PCN.objects.get(code="U10002").name == "Wentworth PCN"
    assert not RegistrySync.objects.exists()
    assert not AuditEvent.objects.filter(action="registry_sync").exists()


def test_sync_registry_malformed_date_names_file_row_and_column_and_writes_nothing(world, tmp_path):
    bad = epraccur_csv(
        [
            {"ods": "C87001", "name": "Broom Lane Surgery"},
            {"ods": "C87012", "name": "Hoyland Surgery", "opened": "20261340"},
        ]
    )
    cqc = cqc_xlsx([{"id": "1-100000001", "name": "Oak Lodge", "started": "31/02/2012"}])
    with pytest.raises(CommandError) as raised:
        call_command(
            "sync_registry",
            "--commissioner=03L",
            f"--practices={write(tmp_path, 'epraccur.csv', bad)}",
            f"--care-homes={write(tmp_path, 'cqc.xlsx', cqc)}",
        )
    message = str(raised.value)
    assert "2 problems; nothing was changed." in message
    assert "epraccur.csv: row 2, column 11 (open date): '20261340' is not a date" in message
    assert "cqc.xlsx: row 5, column Location HSCA start date: '31/02/2012' is not a date" in message
    assert Practice.objects.get(ods_code="C87001").name == "Broom Lane"
    assert not AuditEvent.objects.filter(action="registry_sync").exists()


def test_sync_registry_refuses_a_header_in_epraccur_and_an_unknown_commissioner(world, tmp_path):
    path = write(tmp_path, "epraccur.csv", b"Organisation Code,Name\r\nC87001,X\r\n")
    with pytest.raises(CommandError, match="The first line is a header"):
        call_command("sync_registry", "--commissioner=03L", f"--practices={path}")
    with pytest.raises(CommandError, match="No commissioner ZZZ"):
        call_command("sync_registry", "--commissioner=ZZZ", f"--practices={path}")


def test_sync_registry_zip_bomb_is_refused_before_it_is_read(world, tmp_path, settings):
    settings.NATIONAL_FILE_MAX_BYTES = 20_000
    rows = [{"id": f"1-{100000000 + n}", "name": "A" * 200} for n in range(400)]
    content = cqc_ods(rows)
    assert len(content) < settings.NATIONAL_FILE_MAX_BYTES
    with pytest.raises(CommandError, match="unpacks to more than"):
        call_command(
            "sync_registry",
            "--commissioner=03L",
            f"--care-homes={write(tmp_path, 'cqc.ods', content)}",
        )


def test_cqc_header_is_found_below_notes_and_cells_beyond_it_are_ignored(world):
    plan = plan_sync(
        commissioner=world["barnsley"],
        files=[SyncFile("care_homes", "cqc.ods", cqc_ods([LOCATIONS[0]]))],
        files_date=D(2026, 4, 15),
    )
    assert plan.ok, plan.problems
    assert [i.words for i in plan.items if i.section == "Care homes updated"] == [
        "Oak Lodge (1-100000001): beds 30 → 35; CQC's category (blank) → Elderly; "
        "registered with CQC (blank) → 1 May 2012."
    ]


def test_officer_override_of_category_is_kept_until_they_choose_cqcs_value(world):
    home = world["homes"]["oak"]
    home.cqc_category = "learning_disability"
    home.category = "learning_disability"
    home.save()
    home.category = "elderly"
    care_home_save(care_home=home, by=None)
    assert home.category_overridden
    home.category = "learning_disability"
    care_home_save(care_home=home, by=None)
    assert not home.category_overridden


def test_closed_practice_owes_no_worksheet_for_quarters_after_it_closed(world):
    practice = world["practices"]["C87003"]
    practice.closed_on = D(2026, 3, 31)
    practice.save()
    before = quarter_for(Period(2025, 4))  # Jan–Mar 2026: it was open
    after = quarter_for(Period(2026, 1))  # Apr–Jun 2026: closed
    assert practice in practices_expected(before)
    assert practice not in practices_expected(after)


def test_reports_use_the_pcn_of_each_quarter(world, tmp_path):
    sync(tmp_path)
    hoyland = Practice.objects.get(ods_code="C87012")
    assert pcn_in_quarter(hoyland, Period(2025, 4)).name == "Raven PCN"
    assert pcn_in_quarter(hoyland, Period(2026, 1)).name == "Wentworth 1 PCN"


def test_dashboard_spend_by_pcn_counts_each_quarter_under_that_quarters_pcn(world, tmp_path):
    from accounts.access import scope_for
    from claims.review.services import claim_approve, claim_check
    from reports.dashboard import spend_by_pcn

    sync(tmp_path)
    hoyland = Practice.objects.get(ods_code="C87012")
    home = world["homes"]["oak"]
    f.AgreementFactory(practice=hoyland)
    f.AlignmentFactory(care_home=home, practice=hoyland, start_date=D(2025, 4, 1))
    checker = f.UserFactory(commissioner=world["barnsley"])
    approver = f.UserFactory(commissioner=world["barnsley"])
    for period in (Period(2025, 4), Period(2026, 1)):
        quarter = quarter_for(period)
        claim = worksheet_submit(
            practice=hoyland,
            quarter=quarter,
            entries={
                home.pk: LineEntry(opening=5, new_permanent=0, temporary=0, moved_out=0, died=0)
            },
            by=None,
            submitted_at=datetime.datetime.combine(quarter.due_date, datetime.time(12), LONDON),
        )
        claim_approve(claim=claim_check(claim=claim, by=checker), by=approver)
    officer = f.UserFactory(commissioner=world["barnsley"])
    q4 = spend_by_pcn(scope_for(officer), 2025)
    q1 = spend_by_pcn(scope_for(officer), 2026)
    assert [row[0] for row in q4.rows] == ["Raven PCN"]
    assert [row[0] for row in q1.rows] == ["Wentworth 1 PCN"]
    assert Quarter.objects.count() == 2


def test_closing_practice_lists_its_open_claim(world):
    practice = world["practices"]["C87003"]
    home = world["homes"]["oak"]
    quarter = quarter_for(Period(2025, 4))
    worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={home.pk: LineEntry(opening=5, new_permanent=0, temporary=0, moved_out=0, died=0)},
        by=None,
        submitted_at=datetime.datetime.combine(quarter.due_date, datetime.time(12), LONDON),
    )
    plan = plan_sync(
        commissioner=world["barnsley"],
        files=[SyncFile("practices", "epraccur.csv", practices_file())],
        files_date=D(2026, 4, 15),
    )
    assert "C87003 closes on 31 March 2026 with its 2025/26 Q4 claim still submitted." in (
        plan.attention
    )
    # without the PCN file the new practice cannot be placed in a PCN, so it is not added
    assert any("New Surgery (C87004) is a new practice in no PCN" in a for a in plan.attention)
    assert not [i for i in plan.items if i.section == "New practices"]
    assert Alignment.objects.filter(practice=practice, end_date__isnull=True).exists()

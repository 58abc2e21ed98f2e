"""The practice's care-home register: what the services refuse (naming the field), one open stay
per patient, history without NHS numbers, and the pages: the practice's managers keep it, officers
and auditors read counts and percentages only, and another practice's register is a 404."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from carehomes.models import Clinic, Resident
from carehomes.register import clinic_record, practice_compliance, resident_save
from history.models import AuditEvent
from tests import factories as f

D = datetime.date
TODAY = D(2026, 6, 1)


@pytest.fixture
def aligned(db):
    commissioner = f.CommissionerFactory(code="03L")
    alignment = f.AlignmentFactory(
        care_home__name="Oakwood Lodge",
        care_home__commissioner=commissioner,
        practice__pcn__commissioner=commissioner,
        start_date=D(2025, 4, 1),
    )
    return alignment


def new_resident(aligned, **fields):
    values = {
        "practice": aligned.practice,
        "care_home": aligned.care_home,
        "nhs_number": "485 777 3457",
        "admitted_on": D(2026, 5, 1),
        **fields,
    }
    return Resident(**values)


def refusal(aligned, **fields) -> dict:
    with pytest.raises(ValidationError) as refused:
        resident_save(resident=new_resident(aligned, **fields), by=None, today=TODAY)
    assert not Resident.objects.exists()  # nothing written
    return {k: " ".join(v) for k, v in refused.value.message_dict.items()}


def test_resident_saved_with_nhs_number_as_digits_and_history_without_it(aligned):
    resident = resident_save(resident=new_resident(aligned), by=None, today=TODAY)
    assert Resident.objects.get().nhs_number == "4857773457"
    event = AuditEvent.objects.get(action="resident_save")
    assert "4857773457" not in str(event.before) + str(event.after) + event.summary
    assert event.object_id == str(resident.pk)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("4857773458", "check digit is wrong"),
        ("9434765919", "not an NHS number issued in England"),
        ("48577734", "must be 10 digits"),
    ],
)
def test_resident_with_bad_nhs_number_refused_naming_the_field(aligned, number, message):
    assert message in refusal(aligned, nhs_number=number)["nhs_number"]


def test_resident_dates_checked_against_admission_leaving_and_today(aligned):
    assert (
        "before the admission date" in refusal(aligned, assessed_on=D(2026, 4, 30))["assessed_on"]
    )
    assert "in the future" in refusal(aligned, admitted_on=D(2026, 6, 2))["admitted_on"]
    errors = refusal(
        aligned, left_on=D(2026, 5, 10), leaving_reason="died", care_plan_on=D(2026, 5, 11)
    )
    assert "after the leaving date" in errors["care_plan_on"]
    assert "Say why" in refusal(aligned, left_on=D(2026, 5, 10))["leaving_reason"]
    assert "leaving date" in refusal(aligned, leaving_reason="moved")["left_on"]


def test_resident_of_a_home_not_aligned_during_the_stay_refused(aligned):
    errors = refusal(
        aligned, admitted_on=D(2025, 1, 1), left_on=D(2025, 3, 1), leaving_reason="moved"
    )
    assert "not aligned with the practice" in errors["care_home"]


def test_second_open_stay_of_the_same_patient_refused(aligned):
    resident_save(resident=new_resident(aligned), by=None, today=TODAY)
    assert "already on the register" in refusal_after_first(aligned)["nhs_number"]


def refusal_after_first(aligned) -> dict:
    with pytest.raises(ValidationError) as refused:
        resident_save(
            resident=new_resident(aligned, admitted_on=D(2026, 5, 20)), by=None, today=TODAY
        )
    assert Resident.objects.count() == 1
    return {k: " ".join(v) for k, v in refused.value.message_dict.items()}


def test_readmission_after_leaving_is_a_new_stay(aligned):
    first = resident_save(resident=new_resident(aligned), by=None, today=TODAY)
    first.left_on, first.leaving_reason = D(2026, 5, 10), "moved"
    resident_save(resident=first, by=None, today=TODAY)
    resident_save(resident=new_resident(aligned, admitted_on=D(2026, 5, 20)), by=None, today=TODAY)
    assert Resident.objects.count() == 2


def test_clinic_twice_on_one_day_refused(aligned):
    clinic_record(
        practice=aligned.practice,
        care_home=aligned.care_home,
        held_on=D(2026, 5, 1),
        clinician="",
        by=None,
        today=TODAY,
    )
    with pytest.raises(ValidationError, match="already recorded"):
        clinic_record(
            practice=aligned.practice,
            care_home=aligned.care_home,
            held_on=D(2026, 5, 1),
            clinician="Dr B",
            by=None,
            today=TODAY,
        )
    assert Clinic.objects.count() == 1


def test_practice_compliance_counts_current_residents_and_clinic_gaps(aligned):
    practice, home = aligned.practice, aligned.care_home
    f.ResidentFactory(
        practice=practice,
        care_home=home,
        admitted_on=D(2026, 5, 1),
        assessed_on=D(2026, 5, 2),
        care_plan_on=D(2026, 5, 2),
    )
    f.ResidentFactory(
        practice=practice, care_home=home, admitted_on=D(2026, 5, 1)
    )  # unassessed: missed
    f.ResidentFactory(
        practice=practice,
        care_home=home,
        admitted_on=D(2026, 1, 1),
        left_on=D(2026, 2, 1),
        leaving_reason="died",
    )
    for day in (D(2026, 3, 2), D(2026, 3, 16), D(2026, 5, 25)):
        Clinic.objects.create(practice=practice, care_home=home, held_on=day)
    (summary,) = practice_compliance(practice, TODAY)
    assert summary.current == 2
    assert (summary.tallies["assessment"].compliant, summary.tallies["assessment"].total) == (1, 2)
    assert summary.tallies["assessment"].percent == 50
    assert [g.days for g in summary.clinic_gaps] == [70]  # 16 March to 25 May
    assert summary.last_clinic == D(2026, 5, 25)


# -- pages -----------------------------------------------------------------------------------------


def test_manager_adds_a_resident_and_sees_what_is_due(client, aligned):
    manager = f.practice_manager(aligned.practice)
    client.force_login(manager)
    url = reverse("carehomes:resident_create", args=[aligned.practice.ods_code])
    response = client.post(
        url,
        {
            "care_home": aligned.care_home.pk,
            "nhs_number": "485 777 3457",
            "kind": "permanent",
            "admitted_on": "2026-05-01",
            "leaving_reason": "",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "The register is updated." in page
    assert "485 777 3457" in page
    assert "Assessed by the lead GP within two weeks of admission" in page


@pytest.mark.parametrize(
    ("number", "message"),
    [("485 777 3458", "check digit is wrong"), ("485 777 34570", "must be 10 digits")],
)
def test_manager_form_shows_the_nhs_number_problem_on_the_field(client, aligned, number, message):
    client.force_login(f.practice_manager(aligned.practice))
    url = reverse("carehomes:resident_create", args=[aligned.practice.ods_code])
    response = client.post(
        url,
        {
            "care_home": aligned.care_home.pk,
            "nhs_number": number,
            "kind": "permanent",
            "admitted_on": "2026-05-01",
        },
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["nhs_number"])
    assert not Resident.objects.exists()


def test_officer_and_auditor_see_counts_never_nhs_numbers(client, aligned):
    resident = f.ResidentFactory(practice=aligned.practice, care_home=aligned.care_home)
    commissioner = aligned.practice.pcn.commissioner
    for user in (f.officer(commissioner), f.auditor(commissioner)):
        client.force_login(user)
        page = client.get(reverse("carehomes:compliance", args=[aligned.practice.ods_code]))
        text = page.content.decode()
        assert page.status_code == 200
        assert "Oakwood Lodge" in text and "1 current resident" in text
        assert resident.nhs_number not in text and resident.nhs_number_display not in text
        register = client.get(reverse("carehomes:register", args=[aligned.practice.ods_code]))
        assert register.status_code == 403


def test_manager_gets_404_for_another_practices_resident(client, aligned):
    other = f.ResidentFactory(care_home=aligned.care_home)
    client.force_login(f.practice_manager(aligned.practice))
    url = reverse("carehomes:resident_edit", args=[aligned.practice.ods_code, other.pk])
    assert client.get(url).status_code == 404


# -- the worksheet, from the register --------------------------------------------------------------


def test_quarter_figures_count_each_stay_by_the_worksheets_rules():
    from carehomes.register import QuarterFigures, quarter_figures

    first, last = D(2026, 4, 1), D(2026, 6, 30)
    stays = [
        Resident(kind="permanent", admitted_on=D(2026, 1, 5)),  # at the start
        Resident(
            kind="permanent",
            admitted_on=D(2026, 3, 31),
            left_on=D(2026, 5, 1),
            leaving_reason="died",
        ),
        Resident(kind="permanent", admitted_on=D(2026, 4, 1)),  # new on the first day
        Resident(
            kind="permanent",
            admitted_on=D(2026, 6, 30),
            left_on=D(2026, 6, 30),
            leaving_reason="moved",
        ),
        Resident(
            kind="temporary",
            admitted_on=D(2026, 3, 1),
            left_on=D(2026, 4, 2),
            leaving_reason="moved",
        ),
        Resident(
            kind="permanent",
            admitted_on=D(2025, 1, 1),
            left_on=D(2026, 3, 31),
            leaving_reason="died",
        ),  # gone
        Resident(kind="permanent", admitted_on=D(2026, 7, 1)),  # next quarter
    ]
    assert quarter_figures(stays, first, last) == QuarterFigures(
        at_start=2, new_permanent=2, temporary=1, moved_out=1, died=1
    )


def test_worksheet_form_prefilled_from_the_register_with_differences_shown(client, aligned):
    import datetime as dt

    from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
    from core.periods import LONDON, Period

    practice, home = aligned.practice, aligned.care_home
    f.AgreementFactory(practice=practice)
    q1 = quarter_for(Period(2026, 1))
    worksheet_submit(
        practice=practice, quarter=q1,
        entries={home.pk: LineEntry(opening=1, new_permanent=0, temporary=0, moved_out=0, died=0)},
        by=None, submitted_at=dt.datetime.combine(q1.due_date, dt.time(9), LONDON),
    )  # fmt: skip
    f.ResidentFactory(practice=practice, care_home=home, admitted_on=D(2026, 1, 5))
    f.ResidentFactory(practice=practice, care_home=home, admitted_on=D(2026, 3, 5))
    f.ResidentFactory(practice=practice, care_home=home, admitted_on=D(2026, 8, 1))
    f.ResidentFactory(
        practice=practice, care_home=home, admitted_on=D(2026, 7, 9), kind="temporary"
    )
    client.force_login(f.practice_manager(practice))
    page = client.get(reverse("claims:worksheet", args=[practice.ods_code, "2026-27-Q2"]))
    text = page.content.decode()
    assert "filled in from your" in text
    assert (
        f"{home.name}: opening carried forward 1, residents on the register at the start of the quarter 2"
        in text
    )
    form = page.context["form"]
    assert form.initial[f"home-{home.pk}-new_permanent"] == 1
    assert form.initial[f"home-{home.pk}-temporary"] == 1
    assert form.initial[f"home-{home.pk}-died"] == 0


# -- the register page: one row a resident, and a filter ------------------------------------------


def test_register_page_lists_each_resident_once_with_counts_and_details(client, aligned):
    today = timezone.localdate()
    behind = f.ResidentFactory(
        practice=aligned.practice, care_home=aligned.care_home, admitted_on=D(2026, 1, 5)
    )
    new = f.ResidentFactory(
        practice=aligned.practice, care_home=aligned.care_home, admitted_on=today
    )
    client.force_login(f.practice_manager(aligned.practice))
    url = reverse("carehomes:register", args=[aligned.practice.ods_code])
    page = client.get(url).content.decode()
    table = page[page.index('id="residents-caption"') : page.index("By care home")]
    # One row per resident (and the header row): the requirements are a count and a details.
    assert table.count('<tr class="nhsuk-table__row">') == 3
    assert table.count('<details class="nhsuk-details') == 2
    assert "missed</strong>" in table and "None missed" in table
    assert "2 current residents; 1 with a missed requirement." in page
    assert behind.nhs_number_display in table and new.nhs_number_display in table


def test_register_filter_shows_only_residents_with_gaps(client, aligned):
    today = timezone.localdate()
    behind = f.ResidentFactory(
        practice=aligned.practice, care_home=aligned.care_home, admitted_on=D(2026, 1, 5)
    )
    new = f.ResidentFactory(
        practice=aligned.practice, care_home=aligned.care_home, admitted_on=today
    )
    left = f.ResidentFactory(
        practice=aligned.practice,
        care_home=aligned.care_home,
        admitted_on=D(2026, 1, 5),
        left_on=D(2026, 2, 1),
        leaving_reason=Resident.LeavingReason.DIED,
    )
    client.force_login(f.practice_manager(aligned.practice))
    url = reverse("carehomes:register", args=[aligned.practice.ods_code])
    gaps = client.get(url, {"show": "gaps"})
    assert [row.resident for row in gaps.context["rows"]] == [behind]
    assert "1 of 2 current residents with a missed requirement." in gaps.content.decode()
    everyone = client.get(url, {"show": "all"})
    assert {row.resident for row in everyone.context["rows"]} == {behind, new, left}
    # Anything else is the default: current residents.
    current = client.get(url, {"show": "nonsense"})
    assert {row.resident for row in current.context["rows"]} == {behind, new}

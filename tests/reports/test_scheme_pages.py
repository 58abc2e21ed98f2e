"""The scheme comparison pages: a seeded practice with a shared home against a hand calculation, who
sees what, the rates as data, and a constant number of queries as the data grows."""

import datetime
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from history import generation
from history.models import AuditEvent
from reports.models import SchemeRates
from reports.schemes import Totals
from tests import factories as f


def _submit(practice, period, entries, *, days_late=0):
    quarter = quarter_for(period)
    moment = datetime.datetime.combine(
        quarter.due_date + datetime.timedelta(days=days_late), datetime.time(12), LONDON
    )
    return worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={
            home.pk: LineEntry(
                opening=figures.get("opening"),
                new_permanent=figures.get("new", 0),
                temporary=figures.get("temporary", 0),
                moved_out=figures.get("moved_out", 0),
                died=figures.get("died", 0),
            )
            for home, figures in entries.items()
        },
        by=None,
        submitted_at=moment,
    )


def _practice(pcn, *homes, start=datetime.date(2018, 4, 1)):
    practice = f.PracticeFactory(pcn=pcn)
    f.AgreementFactory(practice=practice)
    for home in homes:
        f.AlignmentFactory(practice=practice, care_home=home, start_date=start)
    return practice


@dataclass
class Seeded:
    commissioner: object
    pcn: object
    other_pcn: object
    a: object  # the manager's practice
    b: object  # shares Shared Lodge with A
    c: object  # another PCN
    homes: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)


@pytest.fixture
def seeded(db):
    commissioner = f.CommissionerFactory(code="03L")
    pcn = f.PCNFactory(commissioner=commissioner, name="Alpha PCN")
    other_pcn = f.PCNFactory(commissioner=commissioner, name="Beta PCN")
    shared = f.CareHomeFactory(
        commissioner=commissioner, name="Shared Lodge", beds=31, acuity_tier="higher"
    )
    solo = f.CareHomeFactory(commissioner=commissioner, name="Solo House", beds=20)
    third = f.CareHomeFactory(commissioner=commissioner, name="Third Court", beds=15)
    a = _practice(pcn, shared, solo)
    b = _practice(pcn, shared)
    c = _practice(other_pcn, third)
    q1, q2 = Period(2019, 1), Period(2019, 2)
    _submit(
        a, q1, {shared: {"opening": 10, "new": 2, "temporary": 1, "died": 1}, solo: {"opening": 5}}
    )
    _submit(a, q2, {shared: {"new": 1}, solo: {"died": 1}}, days_late=3)  # 5% deducted
    _submit(b, q1, {shared: {"opening": 17}})
    _submit(b, q2, {shared: {}})
    _submit(c, q1, {third: {"opening": 6}})
    _submit(c, q2, {third: {}})
    world = Seeded(commissioner, pcn, other_pcn, a, b, c)
    world.homes = {"shared": shared, "solo": solo, "third": third}
    world.users = {
        "manager": f.practice_manager(a),
        "officer": f.officer(commissioner),
        "auditor": f.auditor(commissioner),
        "administrator": f.administrator(),
    }
    return world


# The hand calculation for practice A in 2019/20 (default tariff £102 new / £60 continuing and
# temporary; scheme rates £120 a bed DES, £120 standard and £190 higher acuity).
#
# This LES
#   Q1 Shared Lodge 10 × £60 + 2 × £102 + 1 × £60 = £864.00; Solo House 5 × £60 = £300.00
#      → £1,164.00, on time: net £1,164.00.       Closing: Shared Lodge 10+2−1 = 11, Solo 5.
#   Q2 Shared Lodge 11 × £60 + 1 × £102 = £762.00; Solo House 5 × £60 = £300.00
#      → £1,062.00, 3 days late: 5% = £53.10 deducted, net £1,008.90.
#                                                  Closing: Shared Lodge 12, Solo 5−1 = 4.
#   Q3, Q4 projected: (12 + 4) × £60 = £960.00 each.
#   Gross £1,164.00 + £1,062.00 + 2 × £960.00 = £4,146.00; net £1,164.00 + £1,008.90 + £1,920.00
#   = £4,092.90. By home: Shared Lodge £864 + £762 + 2 × 12 × £60 = £3,066.00; Solo House
#   £300 + £300 + 2 × 4 × £60 = £1,080.00.
#
# Shared Lodge: 31 beds, higher acuity, A 12 patients and B 17 (their Q2 closings): A's share 12/29.
#   DES    £120 × 31 × 12/29 = 4,464,000p / 29 = 153,931.03…p → £1,539.31
#   acuity £190 × 31 × 12/29 = 7,068,000p / 29 = 243,724.13…p → £2,437.24
# Solo House: 20 beds, standard, A alone: DES and acuity £120 × 20 = £2,400.00 each.
# A's totals: DES £1,539.31 + £2,400.00 = £3,939.31; acuity £2,437.24 + £2,400.00 = £4,837.24.
A_TOTALS = Totals(les_gross=414600, les_net=409290, des=393931, acuity=483724)

# B: Q1, Q2 17 × £60 = £1,020.00 each, Q3, Q4 projected the same: £4,080.00 gross and net.
#   Share 17/29: DES 6,324,000p / 29 = 218,068.96…p → £2,180.69 (with A's: £3,720.00 = £120 × 31)
#   acuity 10,013,000p / 29 = 345,275.86…p → £3,452.76 (with A's: £5,890.00 = £190 × 31).
B_TOTALS = Totals(les_gross=408000, les_net=408000, des=218069, acuity=345276)
# C (Beta PCN): 6 × £60 a quarter, all four quarters = £1,440.00; Third Court 15 beds × £120.
C_TOTALS = Totals(les_gross=144000, les_net=144000, des=180000, acuity=180000)


def _get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def _practice_url(practice):
    return reverse("reports:practice_schemes", kwargs={"ods_code": practice.ods_code})


SCHEMES_URL = reverse("reports:schemes")


# -- the hand calculation -----------------------------------------------------------------------------


def test_practice_comparison_matches_the_hand_calculation(client, seeded):
    response = _get(client, seeded.users["manager"], _practice_url(seeded.a))
    assert response.status_code == 200
    result = response.context["practice_result"]
    assert result.totals == A_TOTALS
    by_home = {line.care_home.name: line.row for line in result.homes}
    shared, solo = by_home["Shared Lodge"], by_home["Solo House"]
    assert (shared.patients, shared.des, shared.acuity, shared.les) == (12, 153931, 243724, 306600)
    assert (solo.patients, solo.des, solo.acuity, solo.les) == (4, 240000, 240000, 108000)
    page = response.content.decode()
    for text in ("£4,146.00", "£4,092.90", "£3,939.31", "£4,837.24", "£1,539.31", "41.4%"):
        assert text in page
    assert "Q3 and Q4 projected" in page
    assert "in proportion to each practice" in page  # the sharing rule is stated
    assert "£190.00 in a higher-acuity home" in page  # and the rates used


def test_practice_comparison_defaults_to_the_latest_year_with_worksheets(client, seeded):
    _submit(seeded.a, Period(2019, 3), {seeded.homes["shared"]: {}, seeded.homes["solo"]: {}})
    response = _get(client, seeded.users["manager"], _practice_url(seeded.a))
    assert response.context["comparison"].year == 2019
    assert response.context["practice_result"].schemes.les.projected == (Period(2019, 4),)


def test_practice_without_worksheets_in_the_year_carries_over_its_latest_of_the_year_before(
    client, seeded
):
    # 2020/21: A has sent its Q1 worksheet, B none yet.
    _submit(seeded.a, Period(2019, 3), {seeded.homes["shared"]: {}, seeded.homes["solo"]: {}})
    _submit(seeded.a, Period(2019, 4), {seeded.homes["shared"]: {}, seeded.homes["solo"]: {}})
    _submit(seeded.a, Period(2020, 1), {seeded.homes["shared"]: {}, seeded.homes["solo"]: {}})
    response = _get(
        client, seeded.users["officer"], SCHEMES_URL, year=2020, show=f"pcn:{seeded.pcn.code}"
    )
    rows = {r.practice.pk: r for r in response.context["comparison"].practices}
    b = rows[seeded.b.pk]  # B has no 2020/21 worksheet: its 2019/20 Q2 closing carries over
    assert b.basis.carried_over
    assert b.totals.les_gross == 4 * 17 * 6000
    # A's Q1 2020 closing is still 12 at Shared Lodge, B's carried-over 17: shares unchanged.
    assert {line.care_home.name: line.row.des for line in rows[seeded.a.pk].homes}[
        "Shared Lodge"
    ] == 153931


def test_practice_comparison_follows_the_scheme_rates_as_data(client, seeded):
    SchemeRates.objects.create(
        year=2019,
        des_per_bed_pence=13000,
        standard_acuity_per_bed_pence=12500,
        higher_acuity_per_bed_pence=20000,
    )
    response = _get(client, seeded.users["manager"], _practice_url(seeded.a))
    totals = response.context["practice_result"].totals
    # DES: £130 × 31 × 12/29 = 166,758.62…p → 166,759p, plus £130 × 20 = 260,000p.
    # Acuity: £200 × 31 × 12/29 = 256,551.72…p → 256,552p, plus £125 × 20 = 250,000p.
    assert (totals.des, totals.acuity) == (166759 + 260000, 256552 + 250000)
    assert "scheme rates from 2019/20" in response.content.decode()


def test_home_with_no_patients_of_either_practice_is_shared_equally(client, seeded):
    empty = f.CareHomeFactory(commissioner=seeded.commissioner, name="Empty Manor", beds=9)
    d = _practice(seeded.pcn, empty)
    e = _practice(seeded.pcn, empty)
    _submit(d, Period(2019, 1), {empty: {"opening": 0}})
    _submit(e, Period(2019, 1), {empty: {"opening": 0}})
    response = _get(client, seeded.users["officer"], SCHEMES_URL, show=f"practice:{d.ods_code}")
    (line,) = response.context["practice_result"].homes
    assert line.share_text == "50%"
    assert line.row.des == 54000  # £120 × 9 beds ÷ 2


# -- who sees what -------------------------------------------------------------------------------


def test_manager_sees_own_practice_without_naming_the_practice_sharing_a_home(client, seeded):
    response = _get(client, seeded.users["manager"], _practice_url(seeded.a))
    page = response.content.decode()
    assert seeded.a.name in page
    assert seeded.b.name not in page and seeded.b.ods_code not in page


def test_manager_gets_404_for_another_practices_comparison(client, seeded):
    response = _get(client, seeded.users["manager"], _practice_url(seeded.b))
    assert response.status_code == 404


def test_manager_may_not_open_the_commissioners_comparison(client, seeded):
    assert _get(client, seeded.users["manager"], SCHEMES_URL).status_code == 403


def test_officer_sees_pcn_totals_with_a_row_per_practice(client, seeded):
    response = _get(client, seeded.users["officer"], SCHEMES_URL, show=f"pcn:{seeded.pcn.code}")
    comparison = response.context["comparison"]
    assert {r.practice.pk: r.totals for r in comparison.practices} == {
        seeded.a.pk: A_TOTALS,
        seeded.b.pk: B_TOTALS,
    }
    assert comparison.totals == A_TOTALS + B_TOTALS
    assert comparison.totals.des == 393931 + 218069  # Shared Lodge's beds paid once: £3,720.00
    page = response.content.decode()
    rows = [f"show=practice:{p.ods_code}" for p in (seeded.a, seeded.b, seeded.c)]  # row links
    assert rows[0] in page and rows[1] in page and rows[2] not in page
    assert "£8,226.00" in page  # LES gross: £4,146.00 + £4,080.00


def test_officer_sees_commissioner_totals_with_a_row_per_pcn(client, seeded):
    response = _get(
        client,
        seeded.users["officer"],
        SCHEMES_URL,
        show=f"commissioner:{seeded.commissioner.code}",
    )
    comparison = response.context["comparison"]
    assert comparison.totals == A_TOTALS + B_TOTALS + C_TOTALS
    groups = {g.pcn.name: g.totals for g in comparison.by_pcn()}
    assert groups == {"Alpha PCN": A_TOTALS + B_TOTALS, "Beta PCN": C_TOTALS}
    page = response.content.decode()
    assert "Alpha PCN" in page and "Beta PCN" in page
    assert "£9,666.00" in page  # LES gross: £4,146.00 + £4,080.00 + £1,440.00
    assert "What each scheme would pay" in page and "<svg" in page  # the totals chart


def test_officer_default_is_the_whole_commissioner_in_the_latest_year(client, seeded):
    response = _get(client, seeded.users["officer"], SCHEMES_URL)
    assert response.context["kind"] == "commissioner"
    assert response.context["comparison"].year == 2019
    assert response.context["comparison"].totals == A_TOTALS + B_TOTALS + C_TOTALS


def test_officer_commissioner_rows_per_practice(client, seeded):
    response = _get(
        client, seeded.users["officer"], SCHEMES_URL,
        show=f"commissioner:{seeded.commissioner.code}", rows="practice",
    )  # fmt: skip
    page = response.content.decode()
    assert all(f"show=practice:{p.ods_code}" in page for p in (seeded.a, seeded.b, seeded.c))


def test_officer_cannot_choose_another_commissioners_pcn(client, seeded):
    foreign = f.PCNFactory(commissioner=f.CommissionerFactory(code="02P"))
    response = _get(client, seeded.users["officer"], SCHEMES_URL, show=f"pcn:{foreign.code}")
    assert response.status_code == 200
    assert response.context["form"].errors["show"]
    assert "comparison" not in response.context


def test_officer_opens_any_practice_comparison_in_the_commissioner(client, seeded):
    response = _get(client, seeded.users["officer"], _practice_url(seeded.b))
    assert response.context["practice_result"].totals == B_TOTALS


def test_practice_detail_links_to_the_comparison(client, seeded):
    response = _get(
        client,
        seeded.users["manager"],
        reverse("practices:practice_detail", kwargs={"ods_code": seeded.a.ods_code}),
    )
    assert _practice_url(seeded.a) in response.content.decode()


# -- the rates in the admin ------------------------------------------------------------------------


def test_administrator_changes_scheme_rates_in_the_admin_with_a_history_row(client, seeded):
    rates = SchemeRates.objects.get(year=2018)
    client.force_login(seeded.users["administrator"])
    url = reverse("admin:reports_schemerates_change", args=[rates.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "year": 2018,
            "des_per_bed_pence": 12500,
            "standard_acuity_per_bed_pence": 12000,
            "higher_acuity_per_bed_pence": 19000,
        },
    )
    assert response.status_code == 302
    rates.refresh_from_db()
    assert rates.des_per_bed_pence == 12500
    event = AuditEvent.objects.get(action="scheme_rates_change")
    assert event.after["des_per_bed_pence"] == 12500 and event.before["des_per_bed_pence"] == 12000


# -- constant queries as the data grows -----------------------------------------------------------


def _grow(seeded):
    """More practices, homes, sharers, worksheets and lines, touching every page measured."""
    shared, solo = seeded.homes["shared"], seeded.homes["solo"]
    q3 = Period(2019, 3)
    extra = f.CareHomeFactory(commissioner=seeded.commissioner, name="Extra Gardens", beds=12)
    f.AlignmentFactory(practice=seeded.a, care_home=extra, start_date=q3.first_day)
    _submit(seeded.a, q3, {shared: {}, solo: {}, extra: {"opening": 3}})
    _submit(seeded.b, q3, {shared: {}})
    newcomer = _practice(seeded.pcn, solo, shared, start=q3.first_day)  # shares both of A's
    _submit(newcomer, q3, {shared: {"opening": 2}, solo: {"opening": 1}})
    for _ in range(3):
        pcn = f.PCNFactory(commissioner=seeded.commissioner)
        homes = [f.CareHomeFactory(commissioner=seeded.commissioner) for _ in range(2)]
        for _ in range(2):
            practice = _practice(pcn, *homes)
            for period in (Period(2018, 4), Period(2019, 1), Period(2019, 2)):
                opening = {"opening": 4} if period == Period(2018, 4) else {}
                _submit(practice, period, {home: dict(opening) for home in homes})


def _count(client, user, url, **params):
    generation.retire()  # the factories write no history: retire what was kept, as a change would
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries), response


PAGES = [
    ("manager", "practice", {}),
    ("officer", "practice", {}),
    ("officer", "schemes", {"show": "practice"}),
    ("officer", "schemes", {"show": "pcn"}),
    ("officer", "schemes", {"show": "commissioner"}),
    ("officer", "schemes", {"show": "commissioner", "rows": "practice"}),
    ("administrator", "schemes", {"show": "commissioner"}),
]


@pytest.mark.parametrize(("role", "page", "params"), PAGES)
def test_scheme_pages_keep_a_constant_query_count_as_data_grows(client, seeded, role, page, params):
    subjects = {
        "practice": f"practice:{seeded.a.ods_code}",
        "pcn": f"pcn:{seeded.pcn.code}",
        "commissioner": f"commissioner:{seeded.commissioner.code}",
    }
    params = {**params, "show": subjects[params["show"]]} if "show" in params else params
    url = _practice_url(seeded.a) if page == "practice" else SCHEMES_URL
    user = seeded.users[role]
    small, before = _count(client, user, url, **params)
    _grow(seeded)
    large, after = _count(client, user, url, **params)
    comparison_before, comparison_after = before.context["comparison"], after.context["comparison"]
    # The data the page reads really grew (so equal counts mean something).
    homes_before = sum(len(r.homes) for r in comparison_before.practices)
    homes_after = sum(len(r.homes) for r in comparison_after.practices)
    assert homes_after > homes_before
    assert large == small

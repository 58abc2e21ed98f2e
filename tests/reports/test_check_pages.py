"""The cross-practice checks page and its thresholds form: each flag listed with its claims, the
audit link pre-filling the flag form, the scope, rejected claims left out, the thresholds saved
with their history (or refused), and a query count that does not grow with the data."""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audits.views import audit_years
from claims.models import Worksheet
from claims.review.services import claim_reject, opening_correct
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from history.models import AuditEvent
from reports.checks import Kind
from reports.models import CheckThresholds
from reports.services import check_thresholds_set
from tests import factories as f

URL = reverse("reports:checks")


@pytest.fixture
def periods():
    """Q1 and Q2 of last financial year: in the past, and a year the audit flag form offers."""
    year = audit_years()[1]
    return Period(year, 1), Period(year, 2)


@pytest.fixture
def commissioner(db):
    return f.CommissionerFactory(code="03L")


@pytest.fixture
def officer(commissioner):
    return f.officer(commissioner)


def practice_at(commissioner, *homes):
    practice = f.PracticeFactory(pcn__commissioner=commissioner)
    f.AgreementFactory(practice=practice)
    for home in homes:
        f.AlignmentFactory(care_home=home, practice=practice)
    return practice


def submit(practice, period, figures):
    """``figures``: {home: {"opening": 10, "new_permanent": 2, …}}; unnamed figures are 0."""
    quarter = quarter_for(period)
    entries = {
        home.pk: LineEntry(
            **{"new_permanent": 0, "temporary": 0, "moved_out": 0, "died": 0, **values}
        )
        for home, values in figures.items()
    }
    return worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries=entries,
        by=None,
        submitted_at=datetime.datetime.combine(quarter.due_date, datetime.time(12), LONDON),
    )


@dataclass
class Flagged:
    """One home over its beds (two practices), one practice that jumped, one home whose opening
    an officer corrected downwards: one flag of each kind in Q2."""

    oakwood: object
    shared: tuple  # the two practices' Q2 claims at Oakwood
    jumped: Worksheet
    fallen: Worksheet


def flagged_world(commissioner, officer, q1, q2, n=0) -> Flagged:
    oakwood = f.CareHomeFactory(commissioner=commissioner, name=f"Oakwood Lodge {n}", beds=42)
    elm = f.CareHomeFactory(commissioner=commissioner, name=f"Elm House {n}", beds=100)
    fir = f.CareHomeFactory(commissioner=commissioner, name=f"Fir Court {n}", beds=100)
    a, b = practice_at(commissioner, oakwood), practice_at(commissioner, oakwood)
    c, d = practice_at(commissioner, elm), practice_at(commissioner, fir)
    submit(a, q1, {oakwood: {"opening": 30}})
    submit(b, q1, {oakwood: {"opening": 12}})  # 42 of 42 beds: not flagged
    submit(c, q1, {elm: {"opening": 20}})
    submit(d, q1, {fir: {"opening": 10}})
    shared = (submit(a, q2, {oakwood: {}}), submit(b, q2, {oakwood: {"new_permanent": 1}}))
    jumped = submit(c, q2, {elm: {"new_permanent": 10}})  # 20 → 30
    fallen = submit(d, q2, {fir: {}})
    opening_correct(
        line=fallen.lines.get(), opening=7, by=officer, reason="Three residents counted twice"
    )
    return Flagged(oakwood, shared, jumped, fallen)


def signed_in(client, user):
    client.force_login(user)
    return client


def flags_of(response):
    return {flag.kind: flag for flag in response.context["result"].flags}


# -- the page -------------------------------------------------------------------------------------


def test_checks_page_shows_each_flag_with_the_claim_links(client, commissioner, officer, periods):
    q1, q2 = periods
    world = flagged_world(commissioner, officer, q1, q2)
    response = signed_in(client, officer).get(URL, {"quarter": q2.slug})
    assert response.status_code == 200
    html = response.content.decode()
    flags = flags_of(response)
    assert set(flags) == set(Kind)
    beds = flags[Kind.MORE_PATIENTS_THAN_BEDS]
    a, b = (claim.practice for claim in world.shared)
    codes = sorted([(a.ods_code, 30), (b.ods_code, 13)])
    assert beds.message == (
        f"Oakwood Lodge 0 has 42 registered beds but its practices reported 43 patients at the end "
        f"of {q2.label} ({codes[0][0]}: {codes[0][1]}, {codes[1][0]}: {codes[1][1]})"
    )
    assert "up 10 patients (50.0%) from 20" in flags[Kind.JUMP].message
    assert "with 7 patients, down from 10" in flags[Kind.OPENINGS_FELL].message
    for flag in flags.values():
        assert flag.message in html
    for claim in (*world.shared, world.jumped, world.fallen):
        assert f'href="{reverse("review:claim", args=[claim.pk])}"' in html
    assert "1 home with more patients than beds" in html
    assert "1 practice whose patients claimed jumped" in html
    assert "1 home whose openings fell although nobody left" in html


def test_checks_page_defaults_to_the_latest_quarter_with_worksheets(
    client, commissioner, officer, periods
):
    q1, q2 = periods
    flagged_world(commissioner, officer, q1, q2)
    response = signed_in(client, officer).get(URL)
    assert response.context["period"] == q2
    assert [c[0] for c in response.context["quarter_form"].fields["quarter"].choices] == [
        q2.slug,
        q1.slug,
    ]
    earlier = client.get(URL, {"quarter": q1.slug})
    assert earlier.context["period"] == q1 and earlier.context["result"].flags == ()


def test_checks_page_says_so_plainly_when_nothing_is_flagged(
    client, commissioner, officer, periods
):
    q1, q2 = periods
    home = f.CareHomeFactory(commissioner=commissioner, beds=42)
    practice = practice_at(commissioner, home)
    submit(practice, q1, {home: {"opening": 40}})
    submit(practice, q2, {home: {"new_permanent": 2}})  # 42 of 42 beds; +2 is no jump
    response = signed_in(client, officer).get(URL)
    assert response.context["result"].flags == ()
    assert f"No check raised a flag for {q2.label}" in response.content.decode()


def test_checks_page_without_worksheets_says_so(client, officer):
    response = signed_in(client, officer).get(URL)
    assert response.status_code == 200
    assert "No worksheets have been submitted yet" in response.content.decode()


def test_checks_page_of_a_quarter_without_worksheets_is_404(client, commissioner, officer, periods):
    q1, q2 = periods
    flagged_world(commissioner, officer, q1, q2)
    client = signed_in(client, officer)
    assert client.get(URL, {"quarter": q2.next().slug}).status_code == 404
    assert client.get(URL, {"quarter": "not-a-quarter"}).status_code == 404


def test_checks_page_leaves_rejected_claims_out(client, commissioner, officer, periods):
    q1, q2 = periods
    world = flagged_world(commissioner, officer, q1, q2)
    claim_reject(claim=world.shared[1], by=officer, reason="Duplicate of another claim")
    flags = flags_of(signed_in(client, officer).get(URL, {"quarter": q2.slug}))
    assert Kind.MORE_PATIENTS_THAN_BEDS not in flags  # 30 of 42 beds without the rejected claim


def test_checks_page_audit_link_prefills_the_flag_form(client, commissioner, officer, periods):
    q1, q2 = periods
    world = flagged_world(commissioner, officer, q1, q2)
    client = signed_in(client, officer)
    response = client.get(URL, {"quarter": q2.slug})
    flag = flags_of(response)[Kind.JUMP]
    [(_flag, [link])] = [
        row for group in response.context["groups"] for row in group["rows"] if row[0] is flag
    ]
    assert link.practice.id == world.jumped.practice_id
    form_page = client.get(link.audit_url)
    assert form_page.status_code == 200
    form = form_page.context["form"]
    assert str(form["practice"].value()) == str(world.jumped.practice_id)
    assert str(form["financial_year"].value()) == str(q2.year)
    assert form["reason"].value() == flag.message
    html = form_page.content.decode()
    assert re.search(rf'<option value="{world.jumped.practice_id}"[^>]*selected', html)
    assert re.search(rf'<option value="{q2.year}"[^>]*selected', html)
    assert flag.message in html


def test_checks_page_offers_audit_and_threshold_links_by_permission(
    client, commissioner, officer, periods
):
    q1, q2 = periods
    flagged_world(commissioner, officer, q1, q2)
    thresholds_link = f'href="{reverse("reports:check_thresholds")}"'
    html = signed_in(client, officer).get(URL).content.decode()
    assert "Add to an audit" in html and thresholds_link in html
    html = signed_in(client, f.auditor(commissioner)).get(URL).content.decode()
    assert "Add to an audit" in html and thresholds_link not in html
    response = signed_in(client, f.administrator()).get(URL)
    html = response.content.decode()
    assert response.context["result"].flags  # administrators see the flags …
    assert "Add to an audit" not in html and thresholds_link not in html  # … but do not audit


def test_checks_page_never_shows_another_commissioners_worksheets(
    client, commissioner, officer, periods
):
    q1, q2 = periods
    foreign = f.CommissionerFactory(code="02P")
    other = flagged_world(foreign, f.officer(foreign), q1, q2, n=9)
    # A home of ours shared across the boundary: 30 of our patients and 20 of theirs in 42 beds.
    shared = f.CareHomeFactory(commissioner=commissioner, name="Shared Court", beds=42)
    ours, theirs = practice_at(commissioner, shared), practice_at(foreign, shared)
    for period in (q1, q2):
        submit(ours, period, {shared: {"opening": 30} if period == q1 else {}})
        submit(theirs, period, {shared: {"opening": 20} if period == q1 else {}})
    response = signed_in(client, officer).get(URL, {"quarter": q2.slug})
    html = response.content.decode()
    assert response.context["result"].flags == ()
    foreign_codes = [ws.practice.ods_code for ws in (*other.shared, other.jumped, other.fallen)]
    for text in ["Oakwood Lodge 9", "Elm House 9", "Fir Court 9", theirs.ods_code, *foreign_codes]:
        assert text not in html
    # The administrator sees both commissioners, and the shared home over its beds.
    everyone = signed_in(client, f.administrator()).get(URL, {"quarter": q2.slug})
    homes = [
        flag.home.name
        for flag in everyone.context["result"].flags
        if flag.kind == Kind.MORE_PATIENTS_THAN_BEDS
    ]
    assert sorted(homes) == ["Oakwood Lodge 9", "Shared Court"]


def test_checks_page_query_count_is_the_same_at_two_sizes(client, commissioner, officer, periods):
    q1, q2 = periods
    flagged_world(commissioner, officer, q1, q2, n=0)
    client = signed_in(client, officer)
    client.get(URL)  # warm the session and content types
    with CaptureQueriesContext(connection) as small:
        response = client.get(URL)
    assert len(response.context["result"].flags) == 3
    for n in range(1, 4):
        flagged_world(commissioner, officer, q1, q2, n=n)
    with CaptureQueriesContext(connection) as large:
        response = client.get(URL)
    assert len(response.context["result"].flags) == 12
    assert len(large) == len(small)


# -- the thresholds -------------------------------------------------------------------------------


THRESHOLDS_URL = reverse("reports:check_thresholds")


def test_thresholds_form_shows_the_thresholds_in_force(client, officer):
    form = signed_in(client, officer).get(THRESHOLDS_URL).context["form"]
    assert Decimal(form["jump_percent"].value()) == Decimal("25.0")
    assert form["jump_min_patients"].value() == 5


def test_thresholds_form_saves_with_an_audit_event(client, officer):
    response = signed_in(client, officer).post(
        THRESHOLDS_URL, {"jump_percent": "12.5", "jump_min_patients": "3"}
    )
    assert response.status_code == 302 and response.url == URL
    current = CheckThresholds.current()
    assert (current.jump_percent, current.jump_min_patients) == (Decimal("12.5"), 3)
    assert CheckThresholds.objects.count() == 1
    event = AuditEvent.objects.get(action="check_thresholds_set")
    assert event.actor == officer
    assert event.before == {"jump_percent": "25.0", "jump_min_patients": 5}
    assert event.after == {"jump_percent": "12.5", "jump_min_patients": 3}


@pytest.mark.parametrize(
    ("percent", "patients", "field"),
    [
        ("0.0", "5", "jump_percent"),
        ("1000.1", "5", "jump_percent"),
        ("12.55", "5", "jump_percent"),
        ("lots", "5", "jump_percent"),
        ("25", "0", "jump_min_patients"),
        ("25", "", "jump_min_patients"),
    ],
)
def test_thresholds_form_refuses_bad_input_and_writes_nothing(
    client, officer, percent, patients, field
):
    response = signed_in(client, officer).post(
        THRESHOLDS_URL, {"jump_percent": percent, "jump_min_patients": patients}
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors[field]
    assert error.startswith("Enter a percentage" if field == "jump_percent" else "Enter a whole")
    html = response.content.decode()
    assert "There is a problem" in html and "<title>Error:" in html
    assert f'href="#id_{field}">{error}' in html
    current = CheckThresholds.current()
    assert (current.jump_percent, current.jump_min_patients) == (Decimal("25.0"), 5)
    assert not AuditEvent.objects.filter(action="check_thresholds_set").exists()


@pytest.mark.parametrize(
    ("percent", "patients"), [(Decimal("0.0"), 5), (Decimal("25.05"), 5), (Decimal(25), 0)]
)
def test_thresholds_service_refuses_what_the_form_would_and_writes_nothing(
    officer, percent, patients
):
    with pytest.raises(ValidationError):
        check_thresholds_set(by=officer, jump_percent=percent, jump_min_patients=patients)
    assert CheckThresholds.current().jump_percent == Decimal("25.0")
    assert not AuditEvent.objects.filter(action="check_thresholds_set").exists()


def test_thresholds_change_what_the_page_calls_a_jump(client, commissioner, officer, periods):
    q1, q2 = periods
    flagged_world(commissioner, officer, q1, q2)  # the jump is 20 → 30: +50%, 10 patients
    client = signed_in(client, officer)
    client.post(THRESHOLDS_URL, {"jump_percent": "50.0", "jump_min_patients": "11"})
    assert Kind.JUMP not in flags_of(client.get(URL))
    client.post(THRESHOLDS_URL, {"jump_percent": "50.0", "jump_min_patients": "10"})
    assert Kind.JUMP in flags_of(client.get(URL))
    assert "at least 50.0% and at least 10 patients" in client.get(URL).content.decode()

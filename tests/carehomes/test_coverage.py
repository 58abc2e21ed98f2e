"""Care-home coverage (seed 004, docs/adr/0014): the gap rules, the page, the sitrep CSV, and the
officers' form with its service."""

import csv
import datetime
import io
from dataclasses import replace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.access import scope_for
from carehomes import coverage as cov
from carehomes.coverage import CoverageFacts, coverage_gaps, coverage_record, coverage_rows
from carehomes.models import CareHome, Coverage
from core.periods import LONDON
from history.models import AuditEvent
from tests import factories as f

D = datetime.date
TODAY = D(2026, 5, 12)

COVERED = CoverageFacts(
    aligned_practices=1,
    clinical_lead="Dr L Chen",
    check_in_day=Coverage.Weekday.TUESDAY,
    check_in_by="PCN care home team",
    mdt_in_place=True,
    out_of_hours_provider="Rotherham GP Out of Hours",
    care_plans_recorded=True,
)
FULL = {
    "clinical_lead": "Dr L Chen",
    "check_in_day": Coverage.Weekday.TUESDAY,
    "check_in_by": "PCN care home team",
    "mdt_in_place": True,
    "out_of_hours_provider": "Rotherham GP Out of Hours",
    "care_plans_recorded": True,
}


# -- the gap rules -------------------------------------------------------------------------------


def test_gaps_none_when_every_part_of_coverage_is_in_place():
    assert coverage_gaps(COVERED) == []


@pytest.mark.parametrize(
    ("change", "gap"),
    [
        ({"aligned_practices": 0}, "No aligned practice"),
        ({"clinical_lead": ""}, "No named clinical lead"),
        ({"clinical_lead": "   "}, "No named clinical lead"),
        ({"check_in_day": None}, "No weekly check-in"),
        ({"check_in_by": ""}, "No weekly check-in"),
        ({"mdt_in_place": False}, "No MDT"),
        ({"out_of_hours_provider": ""}, "No out-of-hours provider"),
        ({"care_plans_recorded": False}, "No personalised care plans recorded"),
    ],
)
def test_gaps_name_exactly_the_missing_part(change, gap):
    assert coverage_gaps(replace(COVERED, **change)) == [gap]


def test_gaps_check_in_on_monday_is_a_day():
    # Monday is 0: a falsy day must still count as a day.
    assert coverage_gaps(replace(COVERED, check_in_day=Coverage.Weekday.MONDAY)) == []


def test_gaps_two_aligned_practices_is_not_a_gap():
    assert coverage_gaps(replace(COVERED, aligned_practices=2)) == []


def test_gaps_home_nobody_recorded_has_every_gap():
    assert coverage_gaps(CoverageFacts()) == list(cov.GAPS)


# -- the selector --------------------------------------------------------------------------------


@pytest.fixture
def commissioner(db):
    return f.CommissionerFactory(code="03L")


@pytest.fixture
def officer(commissioner):
    return f.officer(commissioner)


def aligned_home(commissioner, *, practice=None, **home):
    practice = practice or f.PracticeFactory(pcn__commissioner=commissioner)
    care_home = f.CareHomeFactory(commissioner=commissioner, **home)
    f.AlignmentFactory(care_home=care_home, practice=practice)
    return care_home


def covered_home(commissioner, **home):
    care_home = aligned_home(commissioner, **home)
    Coverage.objects.create(care_home=care_home, **FULL)
    return care_home


def test_rows_home_without_coverage_row_has_every_coverage_gap(commissioner, officer):
    aligned_home(commissioner, name="Oakwood Lodge")
    (row,) = coverage_rows(scope_for(officer), TODAY)
    assert row.coverage is None
    assert row.gaps == list(cov.GAPS[1:])  # aligned, and nothing else


def test_rows_count_only_alignments_current_on_the_day(commissioner, officer):
    home = f.CareHomeFactory(commissioner=commissioner)
    Coverage.objects.create(care_home=home, **FULL)
    practice = f.PracticeFactory(pcn__commissioner=commissioner, name="Wath Medical Centre")
    f.AlignmentFactory(care_home=home, practice=practice, end_date=TODAY - datetime.timedelta(1))
    f.AlignmentFactory(care_home=home, start_date=TODAY + datetime.timedelta(1))

    (ended,) = coverage_rows(scope_for(officer), TODAY)
    assert ended.practices == [] and ended.gaps == ["No aligned practice"]

    f.AlignmentFactory(care_home=home, practice=practice, start_date=TODAY)
    (current,) = coverage_rows(scope_for(officer), TODAY)
    assert current.practices == [practice] and current.pcns == [practice.pcn]
    assert current.gaps == []


def test_rows_include_learning_disability_homes(commissioner, officer):
    covered_home(commissioner, category=CareHome.Category.LEARNING_DISABILITY)
    covered_home(commissioner)
    categories = [row.care_home.category for row in coverage_rows(scope_for(officer), TODAY)]
    assert sorted(categories) == ["elderly", "learning_disability"]


def test_rows_list_one_pcn_for_two_practices_of_it(commissioner, officer):
    pcn = f.PCNFactory(commissioner=commissioner)
    home = aligned_home(commissioner, practice=f.PracticeFactory(pcn=pcn))
    f.AlignmentFactory(care_home=home, practice=f.PracticeFactory(pcn=pcn))
    (row,) = coverage_rows(scope_for(officer), TODAY)
    assert len(row.practices) == 2 and row.pcns == [pcn]


# -- the service ---------------------------------------------------------------------------------


def test_record_creates_coverage_and_audits_the_changed_fields(commissioner, officer):
    home = aligned_home(commissioner)
    coverage = coverage_record(
        care_home=home, by=officer, clinical_lead="  Dr L Chen ", mdt_in_place=True
    )
    assert (coverage.clinical_lead, coverage.mdt_in_place, coverage.updated_by) == (
        "Dr L Chen",
        True,
        officer,
    )
    (event,) = AuditEvent.objects.filter(action="coverage_record")
    assert (event.object_type, event.object_id, event.actor) == (
        "carehomes.carehome",
        str(home.pk),
        officer,
    )
    assert event.before == {"clinical_lead": "", "mdt_in_place": False}
    assert event.after == {"clinical_lead": "Dr L Chen", "mdt_in_place": True}


def test_record_changes_only_the_fields_given_and_sets_the_acuity_tier(commissioner, officer):
    home = covered_home(commissioner)
    coverage_record(care_home=home, by=officer, check_in_by="Dr K Brown", acuity_tier="higher")
    coverage = Coverage.objects.get(care_home=home)
    assert coverage.check_in_by == "Dr K Brown"
    assert coverage.clinical_lead == FULL["clinical_lead"]
    home.refresh_from_db()
    assert home.acuity_tier == "higher"
    event = AuditEvent.objects.get(action="coverage_record")
    assert event.before == {"check_in_by": "PCN care home team", "acuity_tier": "standard"}
    assert event.after == {"check_in_by": "Dr K Brown", "acuity_tier": "higher"}


def test_record_with_nothing_changed_writes_no_event(commissioner, officer):
    home = covered_home(commissioner)
    coverage_record(care_home=home, by=officer, **FULL)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "bad", [{"check_in_day": 7}, {"acuity_tier": "highest"}, {"clinical_lead": "x" * 201}]
)
def test_record_refuses_bad_values_and_writes_nothing(commissioner, officer, bad):
    from django.core.exceptions import ValidationError

    home = aligned_home(commissioner)
    with pytest.raises(ValidationError) as error:
        coverage_record(care_home=home, by=officer, **bad)
    assert set(error.value.message_dict) == set(bad)
    assert not Coverage.objects.exists() and not AuditEvent.objects.exists()
    home.refresh_from_db()
    assert home.acuity_tier == "standard"


# -- the page ------------------------------------------------------------------------------------


def test_page_summarises_and_names_each_gap_in_words(client, commissioner, officer):
    covered_home(commissioner, name="Ashfield House")
    aligned_home(commissioner, name="Beechcroft Court")
    f.CareHomeFactory(commissioner=commissioner, name="Clover Hall")  # no alignment at all
    client.force_login(officer)
    page = client.get(reverse("carehomes:coverage")).content.decode()
    assert "2 of 3 homes have a gap." in page
    assert '<strong class="nhsuk-tag nhsuk-tag--red">No aligned practice</strong>' in page
    assert '<strong class="nhsuk-tag nhsuk-tag--red">No named clinical lead</strong>' in page
    assert '<strong class="nhsuk-tag nhsuk-tag--green">No gaps</strong>' in page


def test_page_filter_shows_only_homes_with_gaps_and_keeps_the_summary(
    client, commissioner, officer
):
    covered_home(commissioner, name="Ashfield House")
    aligned_home(commissioner, name="Beechcroft Court")
    client.force_login(officer)
    response = client.get(reverse("carehomes:coverage"), {"gaps": "only"})
    names = [row.care_home.name for row in response.context["rows"]]
    assert names == ["Beechcroft Court"]
    page = response.content.decode()
    assert "1 of 2 homes has a gap." in page
    assert 'name="gaps" type="checkbox" value="only" checked' in page


def test_page_links_officers_to_edit_and_not_auditors(client, commissioner, officer):
    home = aligned_home(commissioner)
    edit = reverse("carehomes:coverage_edit", args=[home.cqc_location_id])
    client.force_login(officer)
    assert edit in client.get(reverse("carehomes:coverage")).content.decode()
    client.force_login(f.auditor(commissioner))
    assert edit not in client.get(reverse("carehomes:coverage")).content.decode()


def test_page_uses_the_london_date_for_current_alignments(
    client, commissioner, officer, monkeypatch
):
    home = aligned_home(commissioner)
    home.alignments.update(end_date=D(2026, 6, 30))
    client.force_login(officer)
    # 00:30 BST on 1 July is still 30 June in UTC: in London the alignment has ended.
    moment = datetime.datetime(2026, 7, 1, 0, 30, tzinfo=LONDON)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    (row,) = client.get(reverse("carehomes:coverage")).context["rows"]
    assert row.gaps[0] == "No aligned practice"


def test_care_home_page_links_officers_to_its_coverage(client, commissioner, officer):
    home = aligned_home(commissioner)
    client.force_login(officer)
    page = client.get(home.get_absolute_url()).content.decode()
    assert reverse("carehomes:coverage_edit", args=[home.cqc_location_id]) in page


# -- the sitrep CSV ------------------------------------------------------------------------------


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode(), newline="")))


def test_sitrep_lists_every_home_in_scope_with_its_gaps(client, commissioner, officer):
    pcn = f.PCNFactory(commissioner=commissioner, code="U51663", name="Raven PCN")
    practice = f.PracticeFactory(pcn=pcn, ods_code="C87001", name="Broom Lane Medical Centre")
    covered = covered_home(commissioner, name="Ashfield House", practice=practice)
    ld = aligned_home(
        commissioner, name="Beechcroft Court", category=CareHome.Category.LEARNING_DISABILITY
    )
    lonely = f.CareHomeFactory(commissioner=commissioner, name="Clover Hall")
    foreign = covered_home(f.CommissionerFactory(code="02P"), name="Foreign Grange")
    client.force_login(officer)

    response = client.get(reverse("carehomes:coverage_sitrep"))
    today = timezone.localdate()
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="care-home-coverage-{today:%Y-%m-%d}.csv"'
    )
    rows = {row["cqc_location_id"]: row for row in csv_rows(response)}
    assert set(rows) == {covered.cqc_location_id, ld.cqc_location_id, lonely.cqc_location_id}
    assert foreign.cqc_location_id not in response.content.decode()

    first = rows[covered.cqc_location_id]
    assert first["name"] == "Ashfield House"
    assert (first["practice_ods_codes"], first["practice_names"]) == (
        "C87001",
        "Broom Lane Medical Centre",
    )
    assert (first["pcn_codes"], first["pcn_names"]) == ("U51663", "Raven PCN")
    assert (first["clinical_lead"], first["check_in_day"], first["check_in_by"]) == (
        "Dr L Chen",
        "Tuesday",
        "PCN care home team",
    )
    assert (first["mdt_in_place"], first["care_plans_recorded"]) == ("yes", "yes")
    assert first["gaps"] == ""
    assert rows[ld.cqc_location_id]["category"] == "learning_disability"
    assert rows[ld.cqc_location_id]["gaps"] == "; ".join(cov.GAPS[1:])
    assert rows[lonely.cqc_location_id]["gaps"] == "; ".join(cov.GAPS)
    assert rows[lonely.cqc_location_id]["practice_ods_codes"] == ""


def test_sitrep_neutralises_formula_like_text(client, commissioner, officer):
    home = covered_home(commissioner, name="+Danger House")
    Coverage.objects.filter(care_home=home).update(
        clinical_lead='=HYPERLINK("http://evil.example","Dr X")', check_in_by="@SUM(A1)"
    )
    client.force_login(officer)
    (row,) = csv_rows(client.get(reverse("carehomes:coverage_sitrep")))
    assert row["clinical_lead"] == '\'=HYPERLINK("http://evil.example","Dr X")'
    assert row["check_in_by"] == "'@SUM(A1)"
    assert row["name"] == "'+Danger House"


def test_sitrep_ignores_the_page_filter(client, commissioner, officer):
    covered_home(commissioner)
    aligned_home(commissioner)
    client.force_login(officer)
    assert len(csv_rows(client.get(reverse("carehomes:coverage_sitrep"), {"gaps": "only"}))) == 2


# -- the edit form -------------------------------------------------------------------------------


def edit_url(home):
    return reverse("carehomes:coverage_edit", args=[home.cqc_location_id])


def form_data(**overrides):
    data = {
        "clinical_lead": "Dr L Chen",
        "check_in_day": "1",
        "check_in_by": "PCN care home team",
        "mdt_in_place": "on",
        "out_of_hours_provider": "Rotherham GP Out of Hours",
        "care_plans_recorded": "on",
        "acuity_tier": "higher",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_edit_form_saves_audits_and_returns_to_the_coverage_page(client, commissioner, officer):
    home = aligned_home(commissioner, name="Oakwood Lodge")
    client.force_login(officer)
    assert client.get(edit_url(home)).status_code == 200

    response = client.post(edit_url(home), form_data(), follow=True)
    assert response.redirect_chain == [(reverse("carehomes:coverage"), 302)]
    assert "Coverage of Oakwood Lodge saved." in response.content.decode()
    coverage = Coverage.objects.get(care_home=home)
    assert coverage.check_in_day == Coverage.Weekday.TUESDAY and coverage.mdt_in_place
    home.refresh_from_db()
    assert home.acuity_tier == "higher"
    event = AuditEvent.objects.get(action="coverage_record", object_id=str(home.pk))
    assert event.actor == officer and event.after["acuity_tier"] == "higher"
    (row,) = response.context["rows"]
    assert row.gaps == []


def test_edit_form_unticked_boxes_record_the_gap(client, commissioner, officer):
    home = covered_home(commissioner)
    client.force_login(officer)
    client.post(edit_url(home), form_data(mdt_in_place=None))
    assert Coverage.objects.get(care_home=home).mdt_in_place is False


def test_edit_form_refuses_an_invalid_weekday_and_writes_nothing(client, commissioner, officer):
    home = aligned_home(commissioner)
    client.force_login(officer)
    response = client.post(edit_url(home), form_data(check_in_day="7"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Choose the day of the week of the weekly check-in." in page
    assert "<title>Error: " in page
    assert not Coverage.objects.exists() and not AuditEvent.objects.exists()
    home.refresh_from_db()
    assert home.acuity_tier == "standard"


def test_edit_form_another_commissioners_home_is_404(client, commissioner, officer):
    foreign = aligned_home(f.CommissionerFactory(code="02P"))
    client.force_login(officer)
    assert client.get(edit_url(foreign)).status_code == 404
    assert client.post(edit_url(foreign), form_data()).status_code == 404
    assert not Coverage.objects.exists()


def test_edit_form_home_aligned_across_the_boundary_is_kept_by_its_own_commissioner(
    client, commissioner, officer
):
    # Seen (one of our practices is aligned with it) but not ours to record.
    foreign = aligned_home(
        f.CommissionerFactory(code="02P"),
        practice=f.PracticeFactory(pcn__commissioner=commissioner),
    )
    client.force_login(officer)
    (row,) = client.get(reverse("carehomes:coverage")).context["rows"]
    assert row.care_home == foreign
    assert client.get(edit_url(foreign)).status_code == 404


# -- query counts --------------------------------------------------------------------------------


def _grow(commissioner, n):
    for index in range(n):
        home = covered_home(commissioner) if index % 2 else aligned_home(commissioner)
        # A second practice, in another PCN of the commissioner.
        f.AlignmentFactory(
            care_home=home, practice=f.PracticeFactory(pcn__commissioner=commissioner)
        )


@pytest.mark.parametrize("name", ["carehomes:coverage", "carehomes:coverage_sitrep"])
def test_query_count_is_the_same_for_2_and_12_homes(client, commissioner, officer, name):
    _grow(commissioner, 2)
    client.force_login(officer)
    client.get(reverse(name))  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get(reverse(name))
    _grow(commissioner, 10)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse(name))
    assert response.status_code == 200
    assert len(coverage_rows(scope_for(officer), timezone.localdate())) == 12
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_the_gap_index_gives_every_home_the_gaps_the_full_rows_give(commissioner, officer):
    """The coverage page counts and filters with ``coverage_gap_index`` (values, issue 18) and
    draws with ``coverage_rows``: the two must agree, home by home, in the same order."""
    f.CareHomeFactory(commissioner=commissioner, name="Alder House")  # nobody aligned
    aligned_home(commissioner, name="Beech Court")  # aligned, nothing recorded
    covered_home(commissioner, name="Cedar Lodge")  # nothing missing
    partial = aligned_home(commissioner, name="Damson Rise")
    Coverage.objects.create(
        care_home=partial, **{**FULL, "check_in_by": "  ", "mdt_in_place": False}
    )
    ended = aligned_home(commissioner, name="Elm Grange")
    ended.alignments.update(end_date=TODAY - datetime.timedelta(days=1))  # no current practice
    scope = scope_for(officer)
    index = cov.coverage_gap_index(scope, TODAY)
    rows = coverage_rows(scope, TODAY)
    assert index == [(row.care_home.pk, row.gaps) for row in rows]
    assert [len(gaps) for _, gaps in index] == [6, 5, 0, 2, 6]
    assert coverage_rows(scope, TODAY, ids=[partial.pk])[0].gaps == index[3][1]


def test_the_sitrep_names_the_practices_and_pcns_the_page_names(commissioner, officer):
    """The sitrep is read as values (issue 18), the page as rows: the practices (by name) and
    their PCNs (each once) must be the same."""
    pcn = f.PCNFactory(commissioner=commissioner, code="U00001", name="North PCN")
    home = aligned_home(
        commissioner, name="Hazel Court", practice=f.PracticeFactory(pcn=pcn, name="Zeta Surgery")
    )
    f.AlignmentFactory(care_home=home, practice=f.PracticeFactory(pcn=pcn, name="Alpha Surgery"))
    f.AlignmentFactory(
        care_home=home,
        practice=f.PracticeFactory(
            pcn=f.PCNFactory(commissioner=commissioner, code="U00002", name="South PCN"),
            name="Mid Surgery",
        ),
    )
    scope = scope_for(officer)
    (line,) = cov.sitrep_lines(scope, TODAY)
    (row,) = coverage_rows(scope, TODAY)
    assert (
        line[6]
        == "; ".join(p.name for p in row.practices)
        == ("Alpha Surgery; Mid Surgery; Zeta Surgery")
    )
    assert line[7] == "; ".join(p.code for p in row.pcns) == "U00001; U00002"
    assert line[-1] == "; ".join(row.gaps)

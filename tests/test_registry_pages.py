"""The registry pages as officers and practice managers use them."""

import datetime

import pytest
from django.urls import reverse

from carehomes.models import Alignment, CareHome
from history.models import AuditEvent
from practices.models import Practice
from tests import factories as f


@pytest.fixture
def officer(db):
    return f.officer(f.CommissionerFactory(code="03L"))


def test_officer_edits_alignment_lead_gp_and_it_is_audited(client, officer):
    alignment = f.AlignmentFactory(
        practice__pcn__commissioner=officer.commissioner,
        care_home__commissioner=officer.commissioner,
    )
    client.force_login(officer)
    url = reverse("carehomes:alignment_edit", kwargs={"pk": alignment.pk})
    response = client.post(
        url, {"start_date": "2018-04-01", "end_date": "2020-03-31", "lead_gp": "Dr New"}
    )
    assert response.status_code == 302
    alignment.refresh_from_db()
    assert (alignment.lead_gp, alignment.end_date) == ("Dr New", datetime.date(2020, 3, 31))
    event = AuditEvent.objects.get(action="alignment_save")
    assert event.before["lead_gp"] == "Dr A Gunasekera" and event.after["lead_gp"] == "Dr New"


def test_overlapping_alignment_through_the_form_writes_nothing_and_says_why(client, officer):
    alignment = f.AlignmentFactory(
        practice__pcn__commissioner=officer.commissioner,
        care_home__commissioner=officer.commissioner,
    )
    client.force_login(officer)
    url = reverse(
        "carehomes:alignment_create",
        kwargs={"cqc_location_id": alignment.care_home.cqc_location_id},
    )
    response = client.post(
        url, {"practice": alignment.practice.pk, "start_date": "2019-01-01", "lead_gp": "Dr X"}
    )
    assert response.status_code == 200
    assert "cannot overlap" in response.content.decode()
    assert Alignment.objects.count() == 1


def test_officer_cannot_align_a_home_with_another_commissioners_practice(client, officer):
    home = f.CareHomeFactory(commissioner=officer.commissioner)
    foreign = f.PracticeFactory()
    client.force_login(officer)
    url = reverse("carehomes:alignment_create", kwargs={"cqc_location_id": home.cqc_location_id})
    response = client.post(
        url, {"practice": foreign.pk, "start_date": "2019-01-01", "lead_gp": "Dr X"}
    )
    assert response.status_code == 200
    assert not Alignment.objects.exists()


def test_bad_ods_code_is_refused_with_a_clear_message(client, officer):
    pcn = f.PCNFactory(commissioner=officer.commissioner)
    client.force_login(officer)
    response = client.post(
        reverse("practices:practice_create"), {"ods_code": "c8701", "name": "X", "pcn": pcn.pk}
    )
    assert response.status_code == 200
    assert "is not a valid practice ODS code" in response.content.decode()
    assert not Practice.objects.exists()


def test_officer_adds_a_care_home_in_their_commissioner(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("carehomes:care_home_create"),
        {
            "cqc_location_id": "1-101613254",
            "name": "Oakwood Lodge",
            "postcode": "s65 1ab",
            "category": "emi",
            "nursing": "on",
            "beds": "42",
        },
    )
    assert response.status_code == 302
    home = CareHome.objects.get()
    assert (home.postcode, home.commissioner, home.nursing) == (
        "S65 1AB",
        officer.commissioner,
        True,
    )


def test_care_home_with_no_beds_is_refused(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("carehomes:care_home_create"),
        {
            "cqc_location_id": "1-101613254",
            "name": "Oakwood Lodge",
            "postcode": "S65 1AB",
            "category": "emi",
            "beds": "0",
        },
    )
    assert response.status_code == 200
    assert not CareHome.objects.exists()


def test_manager_edits_their_practice_contacts(client, db):
    practice = f.PracticeContactFactory(email="old@nhs.example").practice
    client.force_login(f.practice_manager(practice))
    url = reverse("practices:practice_contacts", kwargs={"ods_code": practice.ods_code})
    response = client.post(url, {"emails": "pm@nhs.example\nlead@nhs.example"})
    assert response.status_code == 302
    assert sorted(practice.contacts.values_list("email", flat=True)) == [
        "lead@nhs.example",
        "pm@nhs.example",
    ]


def test_manager_contacts_form_names_the_bad_address(client, db):
    practice = f.PracticeContactFactory(email="old@nhs.example").practice
    client.force_login(f.practice_manager(practice))
    url = reverse("practices:practice_contacts", kwargs={"ods_code": practice.ods_code})
    response = client.post(url, {"emails": "pm@nhs.example\nnot-an-email"})
    assert response.status_code == 200
    assert "not-an-email" in response.content.decode()
    assert list(practice.contacts.values_list("email", flat=True)) == ["old@nhs.example"]


def test_practice_list_filters_and_sorts(client, officer):
    pcn = f.PCNFactory(commissioner=officer.commissioner)
    f.PracticeFactory(pcn=pcn, name="Aston Surgery", ods_code="C87002")
    f.PracticeFactory(pcn=pcn, name="Broom Lane Medical Centre", ods_code="C87001")
    client.force_login(officer)
    page = client.get(reverse("practices:practice_list"), {"q": "broom"}).content.decode()
    assert "Broom Lane" in page and "Aston Surgery" not in page
    page = client.get(reverse("practices:practice_list"), {"sort": "-name"}).content.decode()
    assert page.index("Broom Lane") < page.index("Aston Surgery")


def test_practice_page_shows_homes_agreement_and_contacts(client, officer):
    alignment = f.AlignmentFactory(
        practice__pcn__commissioner=officer.commissioner,
        care_home__commissioner=officer.commissioner,
        lead_gp="Dr Lead",
    )
    f.AgreementFactory(practice=alignment.practice)
    f.PracticeContactFactory(practice=alignment.practice, email="pm@nhs.example")
    client.force_login(officer)
    page = client.get(alignment.practice.get_absolute_url()).content.decode()
    for text in (alignment.care_home.name, "Dr Lead", "pm@nhs.example", "In force"):
        assert text in page


def test_record_notice_through_the_page(client, officer):
    agreement = f.AgreementFactory(practice__pcn__commissioner=officer.commissioner)
    client.force_login(officer)
    url = reverse(
        "practices:agreement_notice",
        kwargs={"ods_code": agreement.practice.ods_code, "pk": agreement.pk},
    )
    response = client.post(url, {"notice_given_on": "2019-10-01", "notice_given_by": "practice"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.ends_on == datetime.date(2020, 4, 1)


def test_officer_cannot_edit_a_home_registered_to_another_commissioner(client, officer):
    """A home across the boundary is seen (it is aligned with our practice) but not edited."""
    border_home = f.CareHomeFactory()  # another commissioner's
    f.AlignmentFactory(care_home=border_home, practice__pcn__commissioner=officer.commissioner)
    client.force_login(officer)
    assert client.get(border_home.get_absolute_url()).status_code == 200
    url = reverse(
        "carehomes:care_home_edit", kwargs={"cqc_location_id": border_home.cqc_location_id}
    )
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "Renamed"}).status_code == 404


@pytest.mark.parametrize(
    "list_url", ["practices:pcn_list", "practices:practice_list", "carehomes:care_home_list"]
)
def test_add_new_is_offered_only_to_who_may_add(db, client, list_url):
    """An auditor reads the registry but may not add to it: no "Add new" link that would 403."""
    commissioner = f.CommissionerFactory()
    client.force_login(f.auditor(commissioner))
    assert "Add new" not in client.get(reverse(list_url)).content.decode()
    client.force_login(f.officer(commissioner))
    assert "Add new" in client.get(reverse(list_url)).content.decode()

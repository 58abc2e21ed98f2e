"""The NHS.UK date input (core.forms.DateField): three boxes, NHS messages, and the
pages that use it."""

import datetime

import pytest
from django.template import Context, Template
from django.urls import reverse

from carehomes.models import CareHome
from claims.review.forms import PaymentRunForm
from outcomes.forms import MeetingForm
from tests import factories as f


def _run_form(day="", month="", year=""):
    form = PaymentRunForm({"run_date_day": day, "run_date_month": month, "run_date_year": year})
    form.is_valid()
    return form


def _error(form, name="run_date"):
    return [str(e) for e in form.errors.get(name, [])]


def test_date_input_empty_asks_for_the_date_by_name():
    assert _error(_run_form()) == ["Enter the payment date"]


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("3", "", "2026"), "Payment date must include a month"),
        (("", "12", "2026"), "Payment date must include a day"),
        (("3", "12", ""), "Payment date must include a year"),
        (("", "", "2026"), "Payment date must include a day and month"),
        (("31", "2", "2026"), "Payment date must be a real date"),
        (("3", "13", "2026"), "Payment date must be a real date"),
        (("3", "December", "2026"), "Payment date must be a real date"),
        (("0", "12", "2026"), "Payment date must be a real date"),
        (("3", "12", "26"), "Payment date year must include 4 numbers"),
    ],
)
def test_date_input_names_what_is_wrong(parts, message):
    assert _error(_run_form(*parts)) == [message]


def test_date_input_reads_day_month_and_year():
    form = _run_form(" 3", "12 ", "2026")
    assert form.is_valid()
    assert form.cleaned_data["run_date"] == datetime.date(2026, 12, 3)


def test_date_input_reads_a_link_with_an_iso_date():
    form = PaymentRunForm({"run_date": "2026-12-03"})
    assert form.is_valid()
    assert form.cleaned_data["run_date"] == datetime.date(2026, 12, 3)


def _render(form):
    return Template("{% load crispy_forms_tags %}{{ form|crispy }}").render(Context({"form": form}))


def test_date_input_renders_the_nhs_component_and_marks_the_missing_part():
    html = _render(_run_form("3", "", "2026"))
    assert '<fieldset class="nhsuk-fieldset" role="group"' in html
    assert '<legend class="nhsuk-fieldset__legend">Payment date</legend>' in html
    assert 'class="nhsuk-date-input" id="id_run_date"' in html
    assert "For example, 15 3 2026" in html
    assert (
        'class="nhsuk-input nhsuk-date-input__input nhsuk-input--width-2 nhsuk-input--error" '
        'id="id_run_date_month" name="run_date_month"'
    ) in html
    assert 'id="id_run_date_day" name="run_date_day" type="text" inputmode="numeric" value="3"' in (
        html.replace('class="nhsuk-input nhsuk-date-input__input nhsuk-input--width-2" ', "")
    )
    assert 'type="date"' not in html


def test_date_input_error_summary_links_to_the_first_part_in_error():
    form = _run_form("3", "", "2026")
    html = Template("{% load nhsuk %}{% nhsuk_error_summary form %}").render(
        Context({"form": form})
    )
    assert 'href="#id_run_date_month"' in html


def test_date_input_shows_a_saved_date_in_its_three_boxes():
    html = _render(PaymentRunForm(initial={"run_date": datetime.date(2026, 3, 15)}))
    assert 'name="run_date_day" type="text" inputmode="numeric" value="15"' in html
    assert 'name="run_date_month" type="text" inputmode="numeric" value="3"' in html
    assert 'name="run_date_year" type="text" inputmode="numeric" value="2026"' in html


@pytest.mark.django_db
def test_meeting_form_submitted_empty_names_each_field():
    form = MeetingForm({}, {}, care_homes=CareHome.objects.none())
    assert not form.is_valid()
    assert {name: [str(e) for e in errors] for name, errors in form.errors.items()} == {
        "care_home": ["Select the care home"],
        "met_on": ["Enter the date of the meeting"],
        "attendees": ["Enter who attended the meeting"],
        "notes": ["Enter the notes of the discussion"],
        "attendance_sheet": ["Choose the signed attendance sheet file"],
    }
    assert "Choose a care home" in _render(form)


@pytest.mark.django_db
def test_accruals_page_reads_the_date_input_and_names_a_date_that_is_not_real(client):
    commissioner = f.CommissionerFactory()
    client.force_login(f.officer(commissioner))
    url = reverse("reports:accruals")
    page = client.get(url, {"date_day": "31", "date_month": "7", "date_year": "2019"})
    assert page.status_code == 200
    assert "31 July 2019" in page.content.decode()
    page = client.get(url, {"date_day": "30", "date_month": "2", "date_year": "2019"})
    assert "The date of the accrual must be a real date" in page.content.decode()
    page = client.get(url, {"date_day": "", "date_month": "", "date_year": ""})
    assert "Enter the date of the accrual" in page.content.decode()

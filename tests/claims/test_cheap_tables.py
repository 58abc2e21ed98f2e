"""Cheap cells (core.tables.CheapCellsMixin, ADR 0044): the claims table drawn by the plain loop
gives the same markup as django-tables2's own per-cell machinery, on every page and sort."""

import re

import django_tables2 as tables
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from claims.models import Worksheet
from claims.review.services import claim_waive
from claims.tables import ClaimTable
from core.periods import Period
from core.tables import NUMERIC, CheapCellsMixin
from tests import factories as f

STANDARD = "tables/nhsuk_table.html"


def normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


def both(table_class, data, request, **kwargs):
    cheap = table_class(data, **kwargs)
    standard = table_class(data, template_name=STANDARD, **kwargs)
    for table in (cheap, standard):
        tables.RequestConfig(request, paginate={"per_page": 2}).configure(table)
    return normalised(cheap.as_html(request)), normalised(standard.as_html(request))


@pytest.fixture
def claims(submit_claim):
    first = submit_claim(days_late=3)
    practice = first.practice
    home = practice.alignments.get().care_home
    later = [submit_claim(practice=practice, home=home, period=Period(2019, q)) for q in (2, 3, 4)]
    officer = f.officer(practice.pcn.commissioner, username="waiver")
    claim_waive(claim=first, by=officer, reason="Practice closed for a flood")
    return [first, *later]


@pytest.mark.parametrize(
    "query", ["", "page=2", "sort=-net_pence", "sort=quarter&page=2", "sort=-status"]
)
def test_the_claims_table_is_drawn_as_django_tables2_draws_it(claims, query):
    request = RequestFactory().get(f"/claims/?{query}")
    data = Worksheet.objects.select_related("practice", "quarter").order_by("pk")
    cheap, standard = both(ClaimTable, data, request)
    assert "nhsuk-table__cell--numeric" in cheap and "Page" in cheap
    assert cheap == standard
    cheap, standard = both(ClaimTable, data, request, exclude=("select",))
    assert cheap == standard


class PlainTable(CheapCellsMixin, tables.Table):
    """Columns with no render method: a choices field, a value, a missing value and a default."""

    status = tables.Column()
    reference = tables.Column(attrs=NUMERIC)
    waiver_reason = tables.Column(default="None given")
    missing = tables.Column(accessor="practice__no_such_thing", default="—")

    class Meta:
        model = Worksheet
        fields = []


def test_plain_columns_are_drawn_as_django_tables2_draws_them(claims):
    request = RequestFactory().get("/")
    cheap, standard = both(PlainTable, Worksheet.objects.order_by("pk"), request)
    assert "Submitted" in cheap  # the display text of the status
    assert "None given" in cheap and "Practice closed for a flood" in cheap
    assert cheap == standard


def test_a_linkified_column_is_refused(claims):
    class Linked(CheapCellsMixin, tables.Table):
        reference = tables.Column(linkify=lambda record: "/")

        class Meta:
            model = Worksheet
            fields = []

    with pytest.raises(ImproperlyConfigured):
        Linked(Worksheet.objects.all()).as_html(RequestFactory().get("/"))

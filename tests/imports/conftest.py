"""Helpers for the import tests: files built in the test, as CSV text or as an .xlsx workbook."""

import io

import factory
import openpyxl
import pytest

from imports.models import ImportBatch
from tests import factories as f

PRACTICE_COLUMNS = "ods_code,name,pcn_code,pcn_name,commissioner_code,commissioner_name,email"
HOME_COLUMNS = "cqc_location_id,name,postcode,category,nursing,beds"
ALIGNMENT_COLUMNS = "cqc_location_id,practice_ods,start_date,end_date,lead_gp"


def csv_file(header: str, *lines: str, bom: bool = False) -> bytes:
    text = "\n".join([header, *lines]) + "\n"
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def xlsx_file(header: str, *rows: list) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header.split(","))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def practice_line(
    ods="C87001",
    name="Broom Lane Medical Centre",
    pcn="U51663",
    pcn_name="Rotherham Central North PCN",
    code="03L",
    commissioner="NHS Rotherham CCG",
    email="manager@broomlane.nhs.uk",
) -> str:
    return ",".join([ods, name, pcn, pcn_name, code, commissioner, email])


def home_line(
    cqc="1-101613254",
    name="Oakwood Lodge",
    postcode="S60 2UB",
    category="elderly",
    nursing="no",
    beds="40",
) -> str:
    return ",".join([cqc, name, postcode, category, nursing, beds])


def alignment_line(
    cqc="1-101613254", ods="C87001", start="2018-04-01", end="", lead_gp="Dr A Gunasekera"
) -> str:
    return ",".join([cqc, ods, start, end, lead_gp])


class ImportBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportBatch

    kind = ImportBatch.Kind.PRACTICES
    original_filename = "practices.csv"
    content = factory.LazyFunction(lambda: csv_file(PRACTICE_COLUMNS, practice_line()))
    uploaded_by = factory.SubFactory(f.UserFactory)
    commissioner = factory.LazyAttribute(lambda batch: batch.uploaded_by.commissioner)


@pytest.fixture
def rotherham(db):
    return f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")

"""The sample files in docs/samples are the documentation of the import format: they must import."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from carehomes.models import Alignment, CareHome
from practices.models import Agreement, Practice

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
COMMANDS = [
    ("import_practices", "practices.csv", []),
    ("import_care_homes", "care_homes.csv", ["--commissioner", "03L"]),
    ("import_alignments", "alignments.csv", []),
    ("import_worksheets", "worksheets.csv", []),
]


def run_all() -> list[str]:
    outputs = []
    for command, sample, options in COMMANDS:
        out = io.StringIO()
        call_command(command, str(SAMPLES / sample), *options, stdout=out)
        outputs.append(out.getvalue().strip())
    return outputs


@pytest.mark.django_db
def test_sample_files_import_in_order_and_again_without_changes():
    first = run_all()
    assert all("created" in output for output in first)
    assert Practice.objects.count() == Agreement.objects.count() > 0
    assert CareHome.objects.filter(commissioner__code="03L").count() > 0
    assert Alignment.objects.exists()
    assert all(output.startswith("No changes:") for output in run_all())


NATIONAL = SAMPLES / "national"


def sync_national(care_homes: str) -> str:
    out = io.StringIO()
    call_command(
        "sync_registry",
        "--commissioner=03L",
        f"--practices={NATIONAL / 'epraccur.csv'}",
        f"--pcns={NATIONAL / 'ePCN.xlsx'}",
        f"--care-homes={NATIONAL / care_homes}",
        "--date=2026-04-20",
        stdout=out,
    )
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("care_homes", ["HSCA_Active_Locations.ods", "HSCA_Active_Locations.xlsx"])
def test_national_sample_files_sync_the_sample_registry_and_again_without_changes(care_homes):
    for command, sample, options in COMMANDS[:3]:
        call_command(command, str(SAMPLES / sample), *options, stdout=io.StringIO())
    out = sync_national(care_homes)
    assert (
        "C87002 moves from Rotherham Central North PCN to Maltby Wickersley PCN on 1 April 2026."
        in out
    )
    assert Practice.objects.get(ods_code="C87003").closed_on.isoformat() == "2026-03-31"
    assert Practice.objects.get(ods_code="C87006").pcn.code == "U51664"
    assert CareHome.objects.get(cqc_location_id="1-101613254").beds == 42
    assert CareHome.objects.get(cqc_location_id="1-104117653").deregistered_on.isoformat() == (
        "2026-04-01"
    )
    assert CareHome.objects.get(cqc_location_id="1-106123460").category == "learning_disability"
    assert not CareHome.objects.filter(cqc_location_id="1-106123457").exists()
    assert sync_national(care_homes).startswith("No changes")

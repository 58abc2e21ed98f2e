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

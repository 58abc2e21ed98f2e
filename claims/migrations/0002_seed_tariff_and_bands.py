"""Seed the default tariff (£102 / £60 / £60 from 2018/19) and the late-submission bands of SPEC §6."""

from django.db import migrations

BANDS = [
    # min_days, max_days, deduction_percent, release
    (0, 0, "0", "next_run"),
    (1, 7, "5", "next_run"),
    (8, 14, "10", "deferred"),
    (15, 21, "50", "deferred"),
    (22, None, "100", "none"),
]


def seed(apps, schema_editor):
    Tariff = apps.get_model("claims", "Tariff")
    LatenessBand = apps.get_model("claims", "LatenessBand")
    Tariff.objects.get_or_create(
        year=2018,
        defaults={"new_permanent_pence": 10200, "continuing_pence": 6000, "temporary_pence": 6000},
    )
    for min_days, max_days, percent, release in BANDS:
        LatenessBand.objects.get_or_create(
            min_days=min_days,
            defaults={"max_days": max_days, "deduction_percent": percent, "release": release},
        )


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

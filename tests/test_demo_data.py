import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role, User
from carehomes.models import CareHome
from claims.models import PaymentRun, Worksheet
from practices.models import Practice


@pytest.mark.django_db
def test_demo_data_is_rotherham_sized_and_loads_once(monkeypatch, capsys):
    monkeypatch.setattr(
        "django.utils.timezone.localdate", lambda *a, **k: datetime.date(2026, 11, 22)
    )
    call_command("load_demo_data")
    first = capsys.readouterr().out
    assert Practice.objects.count() == 30
    assert CareHome.objects.eligible().count() == 36
    assert CareHome.objects.exclude(pk__in=CareHome.objects.eligible()).count() == 4
    assert set(User.objects.values_list("role", flat=True)) == {r.value for r in Role}
    assert "officer" in first and "demo-care-homes-2026" in first
    # Six quarters have passed their due dates; the latest has two practices missing.
    assert Worksheet.objects.count() == 6 * 30 - 2
    # Five quarters reviewed and paid in dated runs; the latest waits in the review queue.
    assert PaymentRun.objects.filter(status="paid").count() == 5
    assert Worksheet.objects.filter(status="paid").count() > 100
    assert Worksheet.objects.filter(status="submitted").count() == 28
    # The history reads in order: submitted, checked, approved, then paid in a run dated after.
    reviewed = Worksheet.objects.exclude(status="submitted").select_related("payment_run")
    for claim in reviewed:
        assert claim.submitted_at < claim.checked_at < claim.approved_at, claim.reference
        if claim.payment_run:
            run = claim.payment_run
            assert claim.approved_at < run.closed_at < run.paid_at, claim.reference
            assert timezone.localtime(claim.approved_at).date() < run.run_date
    assert max(run.paid_at for run in PaymentRun.objects.all()).date() < datetime.date(2026, 11, 22)
    call_command("load_demo_data")
    assert "nothing changed" in capsys.readouterr().out
    assert Worksheet.objects.count() == 6 * 30 - 2

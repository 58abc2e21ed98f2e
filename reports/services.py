"""Writes of the commissioning reports. Each is one transaction with its history event."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from history.services import audit_record, snapshot
from reports.models import CheckThresholds

_THRESHOLD_FIELDS = ["jump_percent", "jump_min_patients"]


@transaction.atomic
def check_thresholds_set(*, by, jump_percent, jump_min_patients: int) -> CheckThresholds:
    """Set when the cross-practice checks call a change a jump: at least ``jump_percent`` per cent
    (0.1 to 1000, one decimal place) and at least ``jump_min_patients`` patients (1 or more)."""
    errors = {}
    try:
        percent = Decimal(str(jump_percent))
    except InvalidOperation:
        percent = None
    if percent is None or not percent.is_finite() or not (Decimal("0.1") <= percent <= 1000):
        errors["jump_percent"] = "Enter a percentage from 0.1 to 1000, to one decimal place at most"
    elif percent != percent.quantize(Decimal("0.1")):
        errors["jump_percent"] = "Enter a percentage from 0.1 to 1000, to one decimal place at most"
    if (
        isinstance(jump_min_patients, bool)
        or not isinstance(jump_min_patients, int)
        or (jump_min_patients < 1)
    ):
        errors["jump_min_patients"] = "Enter a whole number of patients, 1 or more"
    if errors:
        raise ValidationError(errors)
    # One row for the scheme; locked so two officers saving at once leave one coherent history.
    row = CheckThresholds.objects.select_for_update().order_by("pk").first()
    before = snapshot(row, _THRESHOLD_FIELDS) if row else {}
    row = row or CheckThresholds()
    row.jump_percent, row.jump_min_patients = percent, jump_min_patients
    row.full_clean()
    row.save()
    audit_record(
        by=by,
        action="check_thresholds_set",
        obj=row,
        summary=f"Check thresholds set: a jump is {percent}% and {jump_min_patients} patients",
        before=before,
        after=snapshot(row, _THRESHOLD_FIELDS),
    )
    return row

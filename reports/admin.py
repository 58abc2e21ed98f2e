from django.contrib import admin
from django.db import transaction

from core.money import pounds
from history.services import audit_record, changed_fields, snapshot
from reports.models import SchemeRates


@admin.register(SchemeRates)
class SchemeRatesAdmin(admin.ModelAdmin):
    """The per-bed rates the scheme comparison prices the network DES and the acuity-tiered scheme
    at, kept by administrators: a year's row applies from that year until a later one. A change
    is recorded in the history like any other."""

    list_display = [
        "__str__",
        "des_per_bed",
        "standard_acuity_per_bed",
        "higher_acuity_per_bed",
    ]

    @admin.display(description="network DES a bed (£)")
    def des_per_bed(self, obj):
        return pounds(obj.des_per_bed_pence)

    @admin.display(description="standard acuity a bed (£)")
    def standard_acuity_per_bed(self, obj):
        return pounds(obj.standard_acuity_per_bed_pence)

    @admin.display(description="higher acuity a bed (£)")
    def higher_acuity_per_bed(self, obj):
        return pounds(obj.higher_acuity_per_bed_pence)

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        before = snapshot(SchemeRates.objects.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)
        after = snapshot(obj)
        changes = changed_fields(before, after) if change else after
        if changes:
            audit_record(
                by=request.user,
                action="scheme_rates_change" if change else "scheme_rates_create",
                obj=obj,
                summary=f"{obj}: {'changed ' + ', '.join(sorted(changes)) if change else 'created'}",
                before=before,
                after=after,
            )

    def has_delete_permission(self, request, obj=None):
        return False  # a year's rates are replaced by a later year's row, never removed

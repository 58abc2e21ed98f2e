from django.contrib import admin

from outcomes.models import OutcomesPeriod


@admin.register(OutcomesPeriod)
class OutcomesPeriodAdmin(admin.ModelAdmin):
    """Half-years' due dates, kept by administrators until officers have a page for them (ADR 0011)."""

    list_display = ["label", "due_date"]
    fields = ["due_date"]

    def has_add_permission(self, request):
        return False  # created with their default due dates when first needed

    def has_delete_permission(self, request, obj=None):
        return False

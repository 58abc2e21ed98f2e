from django.contrib import admin

from claims.models import ApprovalPolicy


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(admin.ModelAdmin):
    """The finance-approval threshold, kept by administrators with the users and roles it concerns."""

    list_display = ["__str__", "finance_threshold_pence"]

    def has_add_permission(self, request):
        return not ApprovalPolicy.objects.exists()  # one policy for the scheme

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin

from practices.models import Practice


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    """Registered only so administrators can search practices when granting memberships;
    officers keep the registry in the service's own pages."""

    search_fields = ["ods_code", "name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

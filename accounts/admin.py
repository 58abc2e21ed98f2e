from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import PracticeMembership, User


class PracticeMembershipInline(admin.TabularInline):
    model = PracticeMembership
    extra = 1
    autocomplete_fields = ["practice"]


@admin.register(User)
class LesUserAdmin(UserAdmin):
    """Administrators manage users, their role and the organisations they act for here."""

    list_display = [
        "username",
        "first_name",
        "last_name",
        "email",
        "role",
        "commissioner",
        "is_active",
    ]
    list_filter = ["role", "commissioner", "is_active"]
    fieldsets = UserAdmin.fieldsets + (
        ("Role in the LES", {"fields": ("role", "commissioner", "is_finance_approver")}),
    )
    add_fieldsets = UserAdmin.add_fieldsets + (
        ("Role in the LES", {"fields": ("email", "role", "commissioner")}),
    )
    inlines = [PracticeMembershipInline]

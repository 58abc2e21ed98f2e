from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.admin_two_factor import TwoFactorAdminMixin
from accounts.models import PracticeMembership, User

# Authenticator apps are managed on each user's two-factor page (accounts/admin_two_factor.py), with
# a reason in the history; django-otp's own TOTP device admin (plaintext keys) is not offered.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


class PracticeMembershipInline(admin.TabularInline):
    model = PracticeMembership
    extra = 1
    autocomplete_fields = ["practice"]


@admin.register(User)
class LesUserAdmin(TwoFactorAdminMixin, UserAdmin):
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
        ("Two-factor sign-in", {"fields": ("two_factor",)}),
    )
    readonly_fields = ["two_factor"]
    add_fieldsets = UserAdmin.add_fieldsets + (
        ("Role in the LES", {"fields": ("email", "role", "commissioner")}),
    )
    inlines = [PracticeMembershipInline]

    @admin.display(description="Authenticator app")
    def two_factor(self, obj):
        return self.two_factor_link(obj)

"""Every URL of the service. Each pattern is listed in the authorization matrix test
(``tests/test_authorization_matrix.py``), which fails when one is added without a row."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import two_factor
from accounts.forms import SignInForm
from carehomes_les import health, help
from carehomes_les import views as project_views
from outcomes import views as outcomes_views

urlpatterns = [
    path("", project_views.HomeView.as_view(), name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            redirect_authenticated_user=True,
            authentication_form=SignInForm,
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/two-factor/", two_factor.TwoFactorVerifyView.as_view(), name="two_factor_verify"
    ),
    path(
        "accounts/two-factor/set-up/",
        two_factor.TwoFactorSetupView.as_view(),
        name="two_factor_setup",
    ),
    path(
        "accounts/two-factor/again/",
        two_factor.TwoFactorStepUpView.as_view(),
        name="two_factor_step_up",
    ),
    path("accounts/nhsmail/", include("nhsmail.urls")),
    path(
        "accessibility/", project_views.AccessibilityStatementView.as_view(), name="accessibility"
    ),
    path("help/", help.HelpView.as_view(), name="help"),
    path("help/<slug:page>/", help.HelpView.as_view(), name="help_page"),
    # Answered by carehomes_les.health.HealthMiddleware before any other middleware; named here.
    path(health.HEALTHZ.lstrip("/"), health.healthz, name="healthz"),
    path(health.READYZ.lstrip("/"), health.readyz, name="readyz"),
    path("", include("practices.urls")),
    path("", include("carehomes.urls")),
    path("", include("claims.urls")),
    path("claims/", include("claims.review.urls")),
    path(
        "", include("claims.payments.urls")
    ),  # /payment-runs/… and /practices/<ods_code>/payments/
    path("adjustments/", include("claims.payments.adjustment_urls")),
    path("imports/", include("imports.urls")),
    path("periods/", include("claims.periods.urls")),
    # "Check now" writes the reminders of worksheets and outcomes reports, so it is outcomes' view.
    path("emails/reminders/", outcomes_views.RemindersRunView.as_view(), name="reminders_run"),
    path("emails/", include("notices.urls")),
    path("outstanding/", include("reports.outstanding_urls")),
    path("", include("outcomes.urls")),  # /outcomes/ and /practices/<ods_code>/outcomes/…
    path("audits/", include("audits.urls")),
    path("", include("reports.urls")),  # /reports/… and /practices/<ods_code>/schemes/
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Care Home LES administration"
admin.site.site_title = "Care Home LES"

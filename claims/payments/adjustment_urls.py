"""Adjustments of paid claims: recoveries and underpayments (docs/adr/0022)."""

from django.urls import path

from claims.views import money

app_name = "adjustments"
urlpatterns = [
    path("", money.AdjustmentListView.as_view(), name="list"),
    path("new/", money.AdjustmentRaiseView.as_view(), name="raise"),
    path("<int:pk>/", money.AdjustmentView.as_view(), name="detail"),
    path("<int:pk>/approve/", money.AdjustmentActionView.as_view(action="approve"), name="approve"),
    path(
        "<int:pk>/finance-approve/",
        money.AdjustmentActionView.as_view(action="finance_approve"),
        name="finance_approve",
    ),
    path("<int:pk>/refuse/", money.AdjustmentActionView.as_view(action="refuse"), name="refuse"),
    path("<int:pk>/cancel/", money.AdjustmentActionView.as_view(action="cancel"), name="cancel"),
]

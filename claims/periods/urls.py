from django.urls import path

from claims.periods import views as views

app_name = "periods"
urlpatterns = [
    path("", views.PeriodsView.as_view(), name="index"),
    path("quarters/<str:quarter>/due-date/", views.DueDateView.as_view(), name="due_date"),
    path("quarters/<str:quarter>/extension/", views.ExtendDueDateView.as_view(), name="extend"),
    path("tariffs/new/", views.TariffView.as_view(), name="tariff_create"),
    path("tariffs/<int:year>/", views.TariffView.as_view(), name="tariff_edit"),
]

"""The outstanding pages: /outstanding/<worksheets|outcomes>/<quarter or half-year>/…"""

from django.urls import path

from reports.views import outstanding as views

app_name = "outstanding"
urlpatterns = [
    path("", views.OutstandingIndexView.as_view(), name="index"),
    path("<slug:kind>/<str:period>/", views.OutstandingView.as_view(), name="page"),
    path(
        "<slug:kind>/<str:period>/outstanding.csv",
        views.OutstandingDownloadView.as_view(file_format="csv"),
        name="csv",
    ),
    path(
        "<slug:kind>/<str:period>/outstanding.xlsx",
        views.OutstandingDownloadView.as_view(file_format="xlsx"),
        name="xlsx",
    ),
    path(
        "<slug:kind>/<str:period>/<str:ods_code>/chase/",
        views.ChaseView.as_view(),
        name="chase",
    ),
]

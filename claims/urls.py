"""The practice's worksheet pages. Every lookup goes through the user's scope: another practice's
URL is a 404."""

from django.urls import path

from claims import views

app_name = "claims"
urlpatterns = [
    path("worksheets/", views.WorksheetsIndexView.as_view(), name="worksheets"),
    path(
        "practices/<str:ods_code>/worksheets/",
        views.PracticeQuartersView.as_view(),
        name="practice_quarters",
    ),
    path(
        "practices/<str:ods_code>/worksheets/<str:quarter>/",
        views.WorksheetView.as_view(),
        name="worksheet",
    ),
    path(
        "practices/<str:ods_code>/worksheets/<str:quarter>/download/",
        views.WorksheetDownloadView.as_view(),
        name="worksheet_download",
    ),
    path(
        "practices/<str:ods_code>/worksheets/<str:quarter>/upload/",
        views.WorksheetUploadView.as_view(),
        name="worksheet_upload",
    ),
]

"""Outcomes reports: /outcomes/ for the contracting team; /practices/<ods_code>/outcomes/… for a
practice's own (included at the root, beside the practice's other pages)."""

from django.urls import path

from outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("outcomes/", views.OutcomesIndexView.as_view(), name="index"),
    path(
        "practices/<str:ods_code>/outcomes/",
        views.PracticeOutcomesView.as_view(),
        name="practice",
    ),
    path(
        "practices/<str:ods_code>/outcomes/<str:period>/",
        views.OutcomesReportView.as_view(),
        name="report",
    ),
    path(
        "practices/<str:ods_code>/meetings/",
        views.MeetingsView.as_view(),
        name="meetings",
    ),
    path(
        "practices/<str:ods_code>/meetings/new/",
        views.MeetingCreateView.as_view(),
        name="meeting_create",
    ),
    path(
        "practices/<str:ods_code>/meetings/<int:pk>/attendance-sheet",
        views.AttendanceSheetView.as_view(),
        name="attendance_sheet",
    ),
]

"""Audits: /audits/…"""

from django.urls import path

from audits import views

app_name = "audits"
urlpatterns = [
    path("", views.AuditIndexView.as_view(), name="index"),
    path("draws/new/", views.DrawCreateView.as_view(), name="draw_create"),
    path("draws/<int:pk>/", views.DrawView.as_view(), name="draw"),
    path("flag/", views.FlagView.as_view(), name="flag"),
    path("cases/<int:pk>/", views.CaseView.as_view(), name="case"),
    path(
        "cases/<int:pk>/request-evidence/",
        views.CaseActionView.as_view(action="request_evidence"),
        name="case_request_evidence",
    ),
    path(
        "cases/<int:pk>/review/",
        views.CaseActionView.as_view(action="start_review"),
        name="case_start_review",
    ),
    path(
        "cases/<int:pk>/findings/",
        views.CaseActionView.as_view(action="findings"),
        name="case_findings",
    ),
    path("cases/<int:pk>/close/", views.CaseActionView.as_view(action="close"), name="case_close"),
    path("cases/<int:pk>/pack/build/", views.PackRequestView.as_view(), name="pack_request"),
    path("cases/<int:pk>/pack.pdf", views.PackDownloadView.as_view(), name="pack"),
]

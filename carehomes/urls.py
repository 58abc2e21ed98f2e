from django.urls import path

from carehomes import coverage_views, register_views, views

app_name = "carehomes"
urlpatterns = [
    path("care-homes/", views.CareHomeListView.as_view(), name="care_home_list"),
    path("care-homes/new/", views.CareHomeFormView.as_view(), name="care_home_create"),
    # Coverage of every home (NHS England's sitrep, seed 004): before the CQC-ID patterns.
    path("care-homes/coverage/", coverage_views.CoverageView.as_view(), name="coverage"),
    path(
        "care-homes/coverage/sitrep.csv",
        coverage_views.CoverageSitrepView.as_view(),
        name="coverage_sitrep",
    ),
    path(
        "care-homes/<str:cqc_location_id>/",
        views.CareHomeDetailView.as_view(),
        name="care_home_detail",
    ),
    path(
        "care-homes/<str:cqc_location_id>/edit/",
        views.CareHomeFormView.as_view(),
        name="care_home_edit",
    ),
    path(
        "care-homes/<str:cqc_location_id>/coverage/",
        coverage_views.CoverageEditView.as_view(),
        name="coverage_edit",
    ),
    path(
        "care-homes/<str:cqc_location_id>/alignments/new/",
        views.AlignmentFormView.as_view(),
        name="alignment_create",
    ),
    path("alignments/<int:pk>/edit/", views.AlignmentFormView.as_view(), name="alignment_edit"),
    # The practice's care-home register (its managers) and compliance summary (everyone in scope).
    path(
        "practices/<str:ods_code>/register/",
        register_views.RegisterView.as_view(),
        name="register",
    ),
    path(
        "practices/<str:ods_code>/register/residents/new/",
        register_views.ResidentFormView.as_view(),
        name="resident_create",
    ),
    path(
        "practices/<str:ods_code>/register/residents/<int:pk>/",
        register_views.ResidentFormView.as_view(),
        name="resident_edit",
    ),
    path(
        "practices/<str:ods_code>/register/clinics/new/",
        register_views.ClinicFormView.as_view(),
        name="clinic_create",
    ),
    path(
        "practices/<str:ods_code>/compliance/",
        register_views.ComplianceView.as_view(),
        name="compliance",
    ),
]

from django.urls import path

from carehomes import views

app_name = "carehomes"
urlpatterns = [
    path("care-homes/", views.CareHomeListView.as_view(), name="care_home_list"),
    path("care-homes/new/", views.CareHomeFormView.as_view(), name="care_home_create"),
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
        "care-homes/<str:cqc_location_id>/alignments/new/",
        views.AlignmentFormView.as_view(),
        name="alignment_create",
    ),
    path("alignments/<int:pk>/edit/", views.AlignmentFormView.as_view(), name="alignment_edit"),
]

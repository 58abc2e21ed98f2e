from django.urls import path

from practices import views

app_name = "practices"
urlpatterns = [
    path("pcns/", views.PCNListView.as_view(), name="pcn_list"),
    path("pcns/new/", views.PCNFormView.as_view(), name="pcn_create"),
    path("pcns/<str:code>/", views.PCNDetailView.as_view(), name="pcn_detail"),
    path("pcns/<str:code>/edit/", views.PCNFormView.as_view(), name="pcn_edit"),
    path("practices/", views.PracticeListView.as_view(), name="practice_list"),
    path("practices/new/", views.PracticeFormView.as_view(), name="practice_create"),
    path("practices/<str:ods_code>/", views.PracticeDetailView.as_view(), name="practice_detail"),
    path("practices/<str:ods_code>/edit/", views.PracticeFormView.as_view(), name="practice_edit"),
    path(
        "practices/<str:ods_code>/contacts/",
        views.PracticeContactsView.as_view(),
        name="practice_contacts",
    ),
    path(
        "practices/<str:ods_code>/agreements/<int:pk>/notice/",
        views.AgreementNoticeView.as_view(),
        name="agreement_notice",
    ),
    path(
        "practices/<str:ods_code>/agreements/<int:pk>/variations/new/",
        views.AgreementVariationView.as_view(),
        name="variation_create",
    ),
    path(
        "practices/<str:ods_code>/agreements/<int:pk>/variations/<int:variation>/",
        views.AgreementVariationView.as_view(),
        name="variation_edit",
    ),
]

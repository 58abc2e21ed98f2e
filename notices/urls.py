"""The emails page: /emails/…"""

from django.urls import path

from notices import views

app_name = "notices"
urlpatterns = [
    path("", views.NoticeListView.as_view(), name="list"),
    path("<int:pk>/", views.NoticeDetailView.as_view(), name="detail"),
    path("<int:pk>/retry/", views.NoticeRetryView.as_view(), name="retry"),
]

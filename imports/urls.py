from django.urls import path

from imports import views

app_name = "imports"
urlpatterns = [
    path("", views.UploadView.as_view(), name="upload"),
    path("<int:pk>/", views.PreviewView.as_view(), name="preview"),
    path("<int:pk>/confirm/", views.ConfirmView.as_view(), name="confirm"),
    path("<int:pk>/discard/", views.DiscardView.as_view(), name="discard"),
]

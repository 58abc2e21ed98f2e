from django.urls import path

from imports import sync_views, views

app_name = "imports"
urlpatterns = [
    path("", views.UploadView.as_view(), name="upload"),
    path("<int:pk>/", views.PreviewView.as_view(), name="preview"),
    path("<int:pk>/confirm/", views.ConfirmView.as_view(), name="confirm"),
    path("<int:pk>/discard/", views.DiscardView.as_view(), name="discard"),
    path("national/", sync_views.SyncUploadView.as_view(), name="sync_upload"),
    path("national/<int:pk>/", sync_views.SyncPreviewView.as_view(), name="sync_preview"),
    path("national/<int:pk>/confirm/", sync_views.SyncConfirmView.as_view(), name="sync_confirm"),
    path("national/<int:pk>/discard/", sync_views.SyncDiscardView.as_view(), name="sync_discard"),
    path("national/<int:pk>/restart/", sync_views.SyncRestartView.as_view(), name="sync_restart"),
]

from django.urls import path

from nhsmail import views

app_name = "nhsmail"

urlpatterns = [
    path("start/", views.NHSmailStartView.as_view(), name="start"),
    path("callback/", views.NHSmailCallbackView.as_view(), name="callback"),
    path("again/", views.NHSmailStepUpView.as_view(), name="step_up"),
]

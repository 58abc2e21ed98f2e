from django.apps import AppConfig


class NHSmailConfig(AppConfig):
    name = "nhsmail"
    verbose_name = "Sign in with NHSmail"

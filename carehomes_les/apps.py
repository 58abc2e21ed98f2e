from django.apps import AppConfig


class CarehomesLesConfig(AppConfig):
    name = "carehomes_les"
    verbose_name = "Care Home LES"

from django.apps import AppConfig


class SubstitutesConfig(AppConfig):
    name = "ccms.substitutes"
    verbose_name = "Substitute pool"

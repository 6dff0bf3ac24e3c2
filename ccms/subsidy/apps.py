from django.apps import AppConfig


class SubsidyConfig(AppConfig):
    name = "ccms.subsidy"

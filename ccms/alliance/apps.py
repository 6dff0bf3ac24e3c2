from django.apps import AppConfig


class AllianceConfig(AppConfig):
    name = "ccms.alliance"
    verbose_name = "Shared services alliance"

from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "ccms.tenancy"
    label = "tenancy"

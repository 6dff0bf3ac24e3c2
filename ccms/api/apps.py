from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ccms.api"
    label = "api"

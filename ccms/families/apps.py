from django.apps import AppConfig


class FamiliesConfig(AppConfig):
    name = "ccms.families"
    label = "families"

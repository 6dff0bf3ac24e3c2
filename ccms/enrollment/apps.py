from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "ccms.enrollment"
    label = "enrollment"

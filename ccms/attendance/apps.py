from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "ccms.attendance"
    label = "attendance"

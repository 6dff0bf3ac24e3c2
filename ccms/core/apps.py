from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ccms.core"
    label = "core"

    def ready(self):
        from ccms.core import audit  # noqa: F401  (connects the history -> audit hook)
